//! The sessions report, its CSV export and the monitor figures match the
//! sessions that happened (SPEC §11).

use crate::both_backends;
use crate::common::*;
use crate::pairing::{is_msg, issue, org, redeem};
use crate::relay::active_session;
use crate::retention::ended_session_with_chat;
use deskmate_proto::messages::{ClientMessage, ServerMessage};
use reqwest::StatusCode;
use serde_json::json;

async fn reports_match_the_sessions_that_happened(backend: Backend) {
    let Some(o) = org(backend).await else { return };
    // A helper whose name a spreadsheet would run as a formula.
    let me = expect_json(o.hana.get("/api/v1/me").await, StatusCode::OK).await;
    let hana_id = me["user"]["id"].as_str().expect("id").to_string();
    expect_json(
        o.admin
            .patch(
                &format!("/api/v1/users/{hana_id}"),
                &json!({"first_name": "=HYPERLINK(\"http://evil\")"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let ended = ended_session_with_chat(&o, "hello").await;
    let (code, refused) = issue(&o.hana).await;
    expect_json(redeem(&o.olga, &code).await, StatusCode::FORBIDDEN).await;
    let (code, live) = issue(&o.hana).await;
    expect_json(redeem(&o.sam, &code).await, StatusCode::OK).await;

    expect_json(
        o.hana.get("/api/v1/reports/sessions").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let page = expect_json(
        o.admin
            .get("/api/v1/reports/sessions?sort=created&order=asc")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["total"], 3);
    let ids: Vec<&str> = page["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, [ended.as_str(), refused.as_str(), live.as_str()]);
    let only = expect_json(
        o.admin.get("/api/v1/reports/sessions?state=ended").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(only["total"], 1);
    let row = &only["rows"][0];
    assert_eq!(row["helper_id"], hana_id.as_str());
    assert_eq!(row["sharer_name"], "sam Example");
    assert_eq!(row["ended_by"], "helper");
    assert_eq!(row["chat_used"], true);
    assert!(
        row["duration_secs"].is_null(),
        "never consented, so no duration"
    );
    let second = expect_json(
        o.admin
            .get("/api/v1/reports/sessions?sort=created&order=asc&limit=1&offset=1")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["rows"][0]["id"], refused.as_str());
    assert_eq!(second["rows"][0]["refusal"], "not-in-scope");
    expect_json(
        o.admin.get("/api/v1/reports/sessions?sort=colour").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let csv = o
        .admin
        .get("/api/v1/reports/sessions.csv?sort=created&order=asc")
        .await;
    assert_eq!(
        csv.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let text = csv.text().await.expect("csv");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "header and three sessions:\n{text}");
    assert!(lines[0].starts_with("session_id,provider_id,provider_name,recipient_id"));
    assert!(lines[1].starts_with(&format!("\"{ended}\"")));
    assert!(
        text.contains("'=HYPERLINK"),
        "the formula is neutralised, not dropped:\n{text}"
    );
    assert!(
        !text.contains(",\"=") && !text.contains(",="),
        "no cell starts with a formula:\n{text}"
    );

    let summary = expect_json(
        o.admin.get("/api/v1/reports/summary?days=7").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(summary["active_now"], 1, "the paired session");
    let days = summary["per_day"].as_array().expect("days");
    assert_eq!(days.len(), 7);
    assert_eq!(
        days.iter()
            .map(|d| d["sessions"].as_i64().unwrap_or(-1))
            .sum::<i64>(),
        0,
        "no session was consented yet"
    );
    assert_eq!(summary["average_duration_secs"], json!(null));
    // A consented session that ends counts for today and for the average.
    let (_, mut helper, _sharer) = active_session(&o).await;
    helper.send(&ClientMessage::Leave { reason: None }).await;
    helper
        .until("ended", |i| {
            is_msg(i, |m| matches!(m, ServerMessage::Ended { .. }))
        })
        .await;
    let summary = expect_json(
        o.admin.get("/api/v1/reports/summary?days=7").await,
        StatusCode::OK,
    )
    .await;
    let days = summary["per_day"].as_array().expect("days");
    assert_eq!(days[6]["sessions"], 1, "today is last: {summary}");
    assert!(
        summary["average_duration_secs"]
            .as_i64()
            .is_some_and(|s| s >= 0),
        "{summary}"
    );
    assert_eq!(summary["active_now"], 1, "the paired session is still live");
    expect_json(
        o.admin.get("/api/v1/reports/summary?days=0").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

both_backends!(reports_match_the_sessions_that_happened);
