//! The delegation ceiling: nobody gives more than they hold (permissions and
//! scope), nobody changes an account that holds more than they do, and the
//! organisation always keeps an administrator.

use crate::both_backends;
use crate::common::*;
use crate::rbac::{assign, builtin_role, create_group, create_member, group_id};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password";

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

async fn create_role(admin: &Api, name: &str, permissions: &[&str]) -> String {
    id(&expect_json(
        admin
            .post(
                "/api/v1/roles",
                &json!({"name": name, "permissions": permissions}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await)
}

/// Expects the refusal of a change beyond the caller's own rights; returns its detail.
async fn beyond(response: Response) -> String {
    let problem = expect_json(response, StatusCode::FORBIDDEN).await;
    assert_eq!(problem["type"], "urn:deskmate:problem:beyond-your-rights");
    problem["detail"].as_str().expect("detail").to_string()
}

/// Expects the refusal of a change that would leave no administrator.
async fn last_admin(response: Response) {
    let problem = expect_json(response, StatusCode::CONFLICT).await;
    assert_eq!(problem["type"], "urn:deskmate:problem:last-administrator");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("last administrator"),
        "{problem}"
    );
}

async fn delete(api: &Api, path: &str) -> Response {
    api.request(Method::DELETE, path)
        .send()
        .await
        .expect("request")
}

async fn put(api: &Api, path: &str, body: &Value) -> Response {
    api.send_json(Method::PUT, path, body).await
}

async fn permissions(api: &Api) -> Value {
    expect_json(api.get("/api/v1/me").await, StatusCode::OK).await["permissions"].clone()
}

async fn assignment_named(admin: &Api, name: &str) -> Value {
    let all = expect_json(admin.get("/api/v1/role-assignments").await, StatusCode::OK).await;
    all.as_array()
        .expect("assignments")
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no assignment {name}"))
        .clone()
}

async fn user_managers_cannot_raise_themselves_or_take_over_administrators(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let admins = group_id(&admin, "Administrators").await;
    let managers = create_group(&admin, "User managers").await;
    let role = create_role(&admin, "User manager", &["users_read", "users_write"]).await;
    assign(
        &admin,
        json!({"name": "User managers", "role_id": role, "member_groups": [managers], "all_users": true}),
    )
    .await;
    let uma = create_member(&admin, "uma@example.org", PASSWORD, &[&managers]).await;
    let adam = create_member(&admin, "adam@example.org", PASSWORD, &[&admins]).await;
    let (uma_id, adam_id) = (id(&uma), id(&adam));
    let uma_api = sign_in(&fx.server.client(), "uma@example.org", PASSWORD).await;

    // Joining Administrators would give her every permission.
    let detail = beyond(
        put(
            &uma_api,
            &format!("/api/v1/groups/{admins}/members/{uma_id}"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert!(detail.contains("'Administrators'"), "{detail}");
    assert!(
        detail.contains("which your roles do not include"),
        "{detail}"
    );
    assert_eq!(
        permissions(&uma_api).await,
        json!(["users_read", "users_write"])
    );

    // Nor can she take over an administrator's account, or change it.
    let adam_path = format!("/api/v1/users/{adam_id}");
    let detail = beyond(
        uma_api
            .post(
                &format!("{adam_path}/password"),
                &json!({"password": "uma now knows this one"}),
            )
            .await,
    )
    .await;
    assert!(detail.contains("adam@example.org holds"), "{detail}");
    assert!(detail.contains("reset their password"), "{detail}");
    beyond(delete(&uma_api, &format!("{adam_path}/totp")).await).await;
    beyond(uma_api.patch(&adam_path, &json!({"disabled": true})).await).await;
    beyond(
        uma_api
            .patch(&adam_path, &json!({"first_name": "Mallory"}))
            .await,
    )
    .await;
    beyond(
        uma_api
            .post(&format!("{adam_path}/revoke-sessions"), &json!({}))
            .await,
    )
    .await;
    beyond(
        delete(
            &uma_api,
            &format!("/api/v1/groups/{admins}/members/{adam_id}"),
        )
        .await,
    )
    .await;
    // Adam is untouched: he still signs in with his own password.
    let adam_api = sign_in(&fx.server.client(), "adam@example.org", PASSWORD).await;
    let me = expect_json(adam_api.get("/api/v1/me").await, StatusCode::OK).await;
    assert_eq!(me["user"]["first_name"], "adam");
    assert_eq!(me["permissions"].as_array().map(Vec::len), Some(15));

    // Nor create a new account straight into Administrators.
    let detail = beyond(
        uma_api
            .post(
                "/api/v1/users",
                &json!({"email": "sock@example.org", "first_name": "Sock", "last_name": "Puppet",
                        "password": PASSWORD, "groups": [admins]}),
            )
            .await,
    )
    .await;
    assert!(
        detail.contains("creating a user in the group 'Administrators'"),
        "{detail}"
    );
    let users = expect_json(uma_api.get("/api/v1/users").await, StatusCode::OK).await;
    assert!(
        !users.to_string().contains("sock@example.org"),
        "the refused user was not created"
    );

    // Within what she holds, she still manages users.
    let carl = create_member(&uma_api, "carl@example.org", PASSWORD, &[&managers]).await;
    let carl_id = id(&carl);
    expect_no_content(
        uma_api
            .post(
                &format!("/api/v1/users/{carl_id}/password"),
                &json!({"password": "carl's brand new password"}),
            )
            .await,
    )
    .await;
    expect_no_content(
        delete(
            &uma_api,
            &format!("/api/v1/groups/{managers}/members/{carl_id}"),
        )
        .await,
    )
    .await;
    expect_no_content(
        put(
            &uma_api,
            &format!("/api/v1/groups/{managers}/members/{carl_id}"),
            &json!({}),
        )
        .await,
    )
    .await;
    // The administrator may do all of it.
    expect_no_content(
        admin
            .post(
                &format!("{adam_path}/password"),
                &json!({"password": "adam's reset password"}),
            )
            .await,
    )
    .await;
}

async fn role_writers_give_no_more_than_they_hold(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let role_managers = create_group(&admin, "Role managers").await;
    let staff = create_group(&admin, "Staff").await;
    let own_role = create_role(
        &admin,
        "Role manager",
        &["roles_read", "roles_write", "view_screen", "chat"],
    )
    .await;
    assign(
        &admin,
        json!({"name": "Role managers", "role_id": own_role, "member_groups": [role_managers],
               "scope_groups": [staff]}),
    )
    .await;
    create_member(&admin, "rita@example.org", PASSWORD, &[&role_managers]).await;
    let rita = sign_in(&fx.server.client(), "rita@example.org", PASSWORD).await;

    // A role allowing what she does not hold.
    let detail = beyond(
        rita.post(
            "/api/v1/roles",
            &json!({"name": "Everything", "permissions": ["roles_write", "users_write"]}),
        )
        .await,
    )
    .await;
    assert!(detail.contains("'users_write'"), "{detail}");
    let roles = expect_json(rita.get("/api/v1/roles").await, StatusCode::OK).await;
    assert!(!roles.to_string().contains("Everything"));
    // Nor widen her own role.
    beyond(
        put(
            &rita,
            &format!("/api/v1/roles/{own_role}"),
            &json!({"name": "Role manager", "permissions": ["roles_read", "roles_write", "view_screen", "chat", "users_write"]}),
        )
        .await,
    )
    .await;
    // Nor assign the Tenant Administrator role.
    let administrator = builtin_role(&rita, "Tenant Administrator").await;
    beyond(
        rita.post(
            "/api/v1/role-assignments",
            &json!({"name": "Promotion", "role_id": administrator, "member_groups": [role_managers],
                    "scope_groups": [staff]}),
        )
        .await,
    )
    .await;
    // A role within her permissions, but over a wider scope than her own.
    let watcher = create_role(&rita, "Watcher", &["view_screen"]).await;
    let detail = beyond(
        rita.post(
            "/api/v1/role-assignments",
            &json!({"name": "Watch everyone", "role_id": watcher, "member_groups": [staff],
                    "all_users": true}),
        )
        .await,
    )
    .await;
    assert!(detail.contains("'view_screen' over all users"), "{detail}");
    // Within her scope it is fine…
    let watch_staff = assign(
        &rita,
        json!({"name": "Watch staff", "role_id": watcher, "member_groups": [staff],
               "scope_groups": [staff]}),
    )
    .await;
    // …but not widened afterwards.
    beyond(
        put(
            &rita,
            &format!("/api/v1/role-assignments/{}", id(&watch_staff)),
            &json!({"name": "Watch staff", "role_id": watcher, "member_groups": [staff],
                    "scope_groups": [staff], "all_devices": true}),
        )
        .await,
    )
    .await;
    // She cannot change or end the administrators' assignment either.
    let admins_assignment = assignment_named(&admin, "Administrators").await;
    let path = format!("/api/v1/role-assignments/{}", id(&admins_assignment));
    let detail = beyond(delete(&rita, &path).await).await;
    assert!(
        detail.contains("deleting the role assignment 'Administrators'"),
        "{detail}"
    );
    beyond(
        put(
            &rita,
            &path,
            &json!({"name": "Administrators", "role_id": administrator,
                    "member_groups": [role_managers], "all_users": true, "all_devices": true}),
        )
        .await,
    )
    .await;
    assert_eq!(
        expect_json(admin.get(&path).await, StatusCode::OK).await["member_groups"],
        admins_assignment["member_groups"]
    );
}

async fn the_last_administrator_stays(backend: Backend) {
    let Some(fx) = Fixture::start(backend).await else {
        return;
    };
    let admin = setup_admin(&fx.server).await;
    let admins = group_id(&admin, "Administrators").await;
    let me = expect_json(admin.get("/api/v1/me").await, StatusCode::OK).await;
    let ana = me["user"]["id"].as_str().expect("id").to_string();
    let admins_assignment = assignment_named(&admin, "Administrators").await;
    let path = format!("/api/v1/role-assignments/{}", id(&admins_assignment));
    let administrator = builtin_role(&admin, "Tenant Administrator").await;

    // Ana is the only administrator: her group membership, the assignment
    // and its member groups stay.
    last_admin(delete(&admin, &format!("/api/v1/groups/{admins}/members/{ana}")).await).await;
    last_admin(delete(&admin, &path).await).await;
    let empty = create_group(&admin, "Empty").await;
    last_admin(
        put(
            &admin,
            &path,
            &json!({"name": "Administrators", "role_id": administrator, "member_groups": [empty],
                    "all_users": true, "all_devices": true}),
        )
        .await,
    )
    .await;
    let disable = expect_json(
        admin
            .patch(&format!("/api/v1/users/{ana}"), &json!({"disabled": true}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(disable["errors"][0]["field"], "disabled");
    assert_eq!(permissions(&admin).await.as_array().map(Vec::len), Some(15));

    // An administrator through a custom role counts too: with Bo holding
    // everything through "Ops", Ana may give up hers…
    let ops = create_group(&admin, "Ops").await;
    let everything = create_role(
        &admin,
        "Everything",
        &[
            "view_screen",
            "take_full_control",
            "elevation",
            "chat",
            "laser_pointer",
            "settings_read",
            "settings_write",
            "users_read",
            "users_write",
            "roles_read",
            "roles_write",
            "devices_read",
            "devices_write",
            "reports_read",
            "audit_read",
        ],
    )
    .await;
    assign(
        &admin,
        json!({"name": "Ops", "role_id": everything, "member_groups": [ops],
               "all_users": true, "all_devices": true}),
    )
    .await;
    create_member(&admin, "bo@example.org", PASSWORD, &[&ops]).await;
    let bo = sign_in(&fx.server.client(), "bo@example.org", PASSWORD).await;
    expect_no_content(delete(&bo, &path).await).await;
    assert_eq!(permissions(&admin).await, json!([]));
    // …and then Bo is the last one: his role cannot shrink, nor his group go.
    last_admin(
        put(
            &bo,
            &format!("/api/v1/roles/{everything}"),
            &json!({"name": "Everything", "permissions": ["chat"]}),
        )
        .await,
    )
    .await;
    last_admin(delete(&bo, &format!("/api/v1/groups/{ops}")).await).await;
    assert_eq!(permissions(&bo).await.as_array().map(Vec::len), Some(15));
}

both_backends!(
    user_managers_cannot_raise_themselves_or_take_over_administrators,
    role_writers_give_no_more_than_they_hold,
    the_last_administrator_stays,
);
