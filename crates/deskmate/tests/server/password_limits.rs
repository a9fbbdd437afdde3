//! Password guessing costs the same whether the guesses come one after the
//! other or all at once: sign-in and the change of one's own password share
//! one growing delay per account, and the server hashes no guess it refuses.

use crate::both_backends;
use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const BO_EMAIL: &str = "bo@example.org";
const BO_PASSWORD: &str = "bo's long password";

/// Failures an account may make before delays start, plus the failure that
/// starts the first delay.
const FREE_EVALUATIONS: u64 = 6;

/// How many argon2 evaluations a guesser going one at a time can cause in
/// `elapsed`: the free ones, then one more after each delay (1 s, 2 s, 4 s…).
fn sequential_bound(elapsed: Duration) -> u64 {
    let secs = elapsed.as_secs_f64();
    FREE_EVALUATIONS + (secs + 1.0).log2().floor() as u64
}

/// The value of a counter in the server's Prometheus metrics (0 if absent).
async fn counter(api: &Api, name: &str) -> u64 {
    let text = api
        .with_token(TEST_METRICS_TOKEN)
        .get("/metrics")
        .await
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .find(|(n, _)| *n == name)
        .and_then(|(_, v)| v.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

const VERIFICATIONS: &str = "deskmate_password_verifications_total";

async fn start_with_bo(backend: Backend) -> Option<(Fixture, Api)> {
    let fx = Fixture::start(backend).await?;
    let admin = setup_admin(&fx.server).await;
    expect_json(
        admin
            .post(
                "/api/v1/users",
                &json!({"email": BO_EMAIL, "first_name": "Bo", "last_name": "Berg",
                        "password": BO_PASSWORD}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    Some((fx, admin))
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Signs Bo in with the right password, waiting out any delay the server
/// names; returns the client.
async fn sign_in_after_delay(api: &Api, password: &str) -> Api {
    for _ in 0..12 {
        let response = api
            .post(
                "/api/v1/auth/login",
                &json!({"email": BO_EMAIL, "password": password}),
            )
            .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(&response).expect("a 429 names its delay");
            tokio::time::sleep(Duration::from_millis(wait * 1_000 + 100)).await;
            continue;
        }
        let body = expect_json(response, StatusCode::OK).await;
        return api.with_token(body["access_token"].as_str().expect("access token"));
    }
    panic!("the right password never got through");
}

async fn concurrent_wrong_passwords_cost_no_more_than_sequential_ones(backend: Backend) {
    let Some((fx, _admin)) = start_with_bo(backend).await else {
        return;
    };
    let api = fx.server.client();
    let before = counter(&api, VERIFICATIONS).await;
    assert!(before > 0, "signing the administrator in was counted");

    let started = Instant::now();
    let attempts = (0..150).map(|i| {
        let api = api.clone();
        async move {
            api.post(
                "/api/v1/auth/login",
                &json!({"email": BO_EMAIL, "password": format!("wrong password {i}")}),
            )
            .await
        }
    });
    let responses = futures_util::future::join_all(attempts).await;
    let elapsed = started.elapsed();
    let mut unauthorized = 0u64;
    for response in &responses {
        match response.status() {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(
                    retry_after(response).is_some_and(|s| s >= 1),
                    "429 without Retry-After"
                )
            }
            other => panic!("unexpected status {other}"),
        }
    }
    let evaluations = counter(&api, VERIFICATIONS).await - before;
    eprintln!(
        "150 concurrent wrong passwords: {evaluations} argon2 evaluations, {unauthorized} answered 401, in {elapsed:?}"
    );
    assert_eq!(
        evaluations, unauthorized,
        "only guesses that were answered 401 were hashed"
    );
    assert!(
        evaluations <= sequential_bound(elapsed),
        "{evaluations} argon2 evaluations in {elapsed:?}; one guesser at a time gets at most {}",
        sequential_bound(elapsed)
    );

    // Nothing is lost: once the delay is over, the right password signs in.
    let bo = sign_in_after_delay(&api, BO_PASSWORD).await;
    let me = expect_json(bo.get("/api/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["user"]["email"], BO_EMAIL);
}

async fn wrong_current_passwords_are_throttled_like_sign_in(backend: Backend) {
    let Some((fx, _admin)) = start_with_bo(backend).await else {
        return;
    };
    let api = fx.server.client();
    let bo = sign_in(&api, BO_EMAIL, BO_PASSWORD).await;
    let before = counter(&api, VERIFICATIONS).await;

    let started = Instant::now();
    let mut refused = 0u64;
    let mut wrong = 0u64;
    for i in 0..20 {
        let response = bo
            .post(
                "/api/v1/me/password",
                &json!({"current_password": format!("not my password {i}"),
                        "new_password": "a brand new passphrase"}),
            )
            .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry_after(&response).is_some_and(|s| s >= 1));
            let problem: Value = expect_json(response, StatusCode::TOO_MANY_REQUESTS).await;
            assert_eq!(problem["type"], "urn:deskmate:problem:too-many-attempts");
            refused += 1;
        } else {
            let problem = expect_json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(problem["errors"][0]["field"], "current_password");
            wrong += 1;
        }
    }
    let elapsed = started.elapsed();
    let evaluations = counter(&api, VERIFICATIONS).await - before;
    eprintln!(
        "20 wrong current passwords: {evaluations} argon2 evaluations, {refused} refused with 429"
    );
    assert_eq!(evaluations, wrong, "refused attempts were not hashed");
    assert!(
        wrong <= sequential_bound(elapsed),
        "{wrong} current-password checks in {elapsed:?}"
    );
    assert!(refused >= 1, "wrong current passwords were throttled");

    // After the delay the right current password changes it.
    let mut changed = false;
    for _ in 0..12 {
        let response = bo
            .post(
                "/api/v1/me/password",
                &json!({"current_password": BO_PASSWORD, "new_password": "a brand new passphrase"}),
            )
            .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(&response).expect("a 429 names its delay");
            tokio::time::sleep(Duration::from_millis(wait * 1_000 + 100)).await;
            continue;
        }
        expect_no_content(response).await;
        changed = true;
        break;
    }
    assert!(changed, "the right current password never got through");
    let bo = sign_in_after_delay(&api, "a brand new passphrase").await;
    expect_json(bo.get("/api/v1/me").await, StatusCode::OK).await;
}

both_backends!(
    concurrent_wrong_passwords_cost_no_more_than_sequential_ones,
    wrong_current_passwords_are_throttled_like_sign_in,
);
