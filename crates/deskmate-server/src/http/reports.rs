//! Reports for administrators and auditors (SPEC §11): the sessions report
//! (filter, sort, page, CSV export) and the monitor figures.

use super::caller::Caller;
use super::json::ApiJson;
use super::problem::ApiError;
use super::query::ApiQuery;
use super::state::AppState;
use crate::clock::to_rfc3339;
use crate::permissions::Permission;
use crate::store::{ReportQuery, ReportRow, SortKey};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Filters, order and page of the sessions report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// Only this helper (provider id).
    pub helper: Option<String>,
    /// Only this sharer (recipient id).
    pub sharer: Option<String>,
    /// Only this state: `waiting`, `paired`, `active`, `ended` or `refused`.
    pub state: Option<String>,
    /// Only this mode: `view` or `control`.
    pub mode: Option<String>,
    /// Text found in the helper's or sharer's name or e-mail address or the
    /// device name (case-insensitive), or a session, helper or sharer id.
    pub q: Option<String>,
    /// Issued at or after (RFC 3339).
    pub from: Option<String>,
    /// Issued before (RFC 3339).
    pub to: Option<String>,
    /// `created` (default), `started`, `ended`, `duration`, `helper`, `sharer` or `device`.
    pub sort: Option<String>,
    /// `desc` (default) or `asc`.
    pub order: Option<String>,
    /// Page size, 1–1000 (default 50).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// The states a session record can be in.
pub const STATES: [&str; 5] = ["waiting", "paired", "active", "ended", "refused"];
/// The modes a session can run in.
pub const MODES: [&str; 2] = ["view", "control"];
/// Longest search text accepted.
pub const MAX_SEARCH: usize = 200;

/// One session in the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRowView {
    /// Session id.
    pub id: String,
    /// Helper (provider) id.
    pub helper_id: String,
    /// Helper name.
    pub helper_name: String,
    /// Helper e-mail address.
    pub helper_email: String,
    /// Sharer (recipient) id.
    pub sharer_id: Option<String>,
    /// Sharer name.
    pub sharer_name: Option<String>,
    /// Sharer e-mail address.
    pub sharer_email: Option<String>,
    /// Device.
    pub device: Option<String>,
    /// State.
    pub state: String,
    /// `view` or `control`.
    pub mode: Option<String>,
    /// Elevation used.
    pub elevation_used: bool,
    /// Chat used.
    pub chat_used: bool,
    /// Encrypted end to end (absent before redemption).
    pub encrypted: Option<bool>,
    /// Who ended it: `helper`, `sharer`, `system`, `timeout`, `server_restart` or `revoked`.
    pub ended_by: Option<String>,
    /// Why the code was refused.
    pub refusal: Option<String>,
    /// Code issued (RFC 3339).
    pub created_at: String,
    /// Started (RFC 3339).
    pub started_at: Option<String>,
    /// Ended (RFC 3339).
    pub ended_at: Option<String>,
    /// Seconds from start to end.
    pub duration_secs: Option<i64>,
}

impl From<&ReportRow> for ReportRowView {
    fn from(r: &ReportRow) -> Self {
        Self {
            id: r.id.clone(),
            helper_id: r.helper_id.clone(),
            helper_name: r.helper_name.clone(),
            helper_email: r.helper_email.clone(),
            sharer_id: r.sharer_id.clone(),
            sharer_name: r.sharer_name.clone(),
            sharer_email: r.sharer_email.clone(),
            device: r.device.clone(),
            state: r.state.clone(),
            mode: r.mode.clone(),
            elevation_used: r.elevation_used,
            chat_used: r.chat_used,
            encrypted: r.encrypted,
            ended_by: r.ended_by.clone(),
            refusal: r.refusal.clone(),
            created_at: to_rfc3339(r.created_at),
            started_at: r.started_at.map(to_rfc3339),
            ended_at: r.ended_at.map(to_rfc3339),
            duration_secs: r.started_at.zip(r.ended_at).map(|(s, e)| (e - s) / 1000),
        }
    }
}

/// A page of the sessions report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    /// Rows matching the filters, in all pages.
    pub total: i64,
    /// This page.
    pub rows: Vec<ReportRowView>,
}

/// One of `allowed`, or a field error naming them.
fn one_of(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
        Some(_) => Err(ApiError::field(
            field,
            format!("must be one of {}", allowed.join(", ")),
        )),
    }
}

/// Checks the parameters and turns them into a store query.
pub fn query(p: &ReportParams, max: i64) -> Result<ReportQuery, ApiError> {
    let user = |field: &str, v: &Option<String>| {
        v.as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                t.trim()
                    .parse()
                    .map_err(|_| ApiError::field(field, "must be a user id"))
            })
            .transpose()
    };
    let search =
        p.q.as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string);
    if search
        .as_deref()
        .is_some_and(|q| q.chars().count() > MAX_SEARCH || q.chars().any(char::is_control))
    {
        return Err(ApiError::field(
            "q",
            format!("must be at most {MAX_SEARCH} characters, without control characters"),
        ));
    }
    let from = super::validate::rfc3339("from", p.from.as_deref().filter(|v| !v.is_empty()))?;
    let to = super::validate::rfc3339("to", p.to.as_deref().filter(|v| !v.is_empty()))?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(ApiError::field("to", "must be later than from"));
    }
    Ok(ReportQuery {
        helper_id: user("helper", &p.helper)?,
        sharer_id: user("sharer", &p.sharer)?,
        state: one_of("state", p.state.as_deref(), &STATES)?,
        mode: one_of("mode", p.mode.as_deref(), &MODES)?,
        search,
        from,
        to,
        sort: match p.sort.as_deref().unwrap_or("created") {
            "created" => SortKey::Created,
            "started" => SortKey::Started,
            "ended" => SortKey::Ended,
            "duration" => SortKey::Duration,
            "helper" => SortKey::Helper,
            "sharer" => SortKey::Sharer,
            "device" => SortKey::Device,
            _ => {
                return Err(ApiError::field(
                    "sort",
                    "must be created, started, ended, duration, helper, sharer or device",
                ));
            }
        },
        descending: match p.order.as_deref().unwrap_or("desc") {
            "desc" => true,
            "asc" => false,
            _ => return Err(ApiError::field("order", "must be asc or desc")),
        },
        limit: p.limit.unwrap_or(50).clamp(1, max),
        offset: p.offset.unwrap_or(0).max(0),
    })
}

/// The sessions report: filter, sort, page.
#[utoipa::path(get, path = "/api/v1/reports/sessions", tag = "reports", params(ReportParams),
    responses((status = 200, body = ReportPage), (status = 403, body = super::problem::Problem)))]
pub async fn sessions(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<ApiJson<ReportPage>, ApiError> {
    caller.require(Permission::ReportsRead)?;
    let (rows, total) = state
        .store
        .session_report(caller.user.tenant_id, &query(&params, 1000)?)
        .await?;
    Ok(ApiJson(ReportPage {
        total,
        rows: rows.iter().map(ReportRowView::from).collect(),
    }))
}

/// A CSV cell: quoted, and neutralised (prefixed with `'`) when a
/// spreadsheet would read it as a formula or command: a first character
/// of `=`, `+`, `-`, `@`, tab, carriage return or line feed, or their
/// full-width forms, which some spreadsheets fold to the ASCII ones.
pub fn csv_cell(value: &str) -> String {
    let risky = value.starts_with([
        '=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ]);
    let value = if risky {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// A CSV file download.
pub fn csv_download(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Appends one CSV line.
pub fn csv_line(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(cell));
    }
    out.push_str("\r\n");
}

/// The sessions report as CSV (same filters; up to 100 000 rows).
#[utoipa::path(get, path = "/api/v1/reports/sessions.csv", tag = "reports", params(ReportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = super::problem::Problem)))]
pub async fn sessions_csv(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReportsRead)?;
    let mut q = query(&params, 100_000)?;
    if params.limit.is_none() {
        q.limit = 100_000;
    }
    let (rows, _) = state
        .store
        .session_report(caller.user.tenant_id, &q)
        .await?;
    let mut out = String::from(
        "session_id,provider_id,provider_name,recipient_id,recipient_name,device,state,type,elevation_used,chat_used,ended_by,refusal,created_at,started_at,ended_at,duration_secs,provider_email,recipient_email,encrypted\r\n",
    );
    for r in rows.iter().map(ReportRowView::from) {
        csv_line(
            &mut out,
            &[
                r.id,
                r.helper_id,
                r.helper_name,
                r.sharer_id.unwrap_or_default(),
                r.sharer_name.unwrap_or_default(),
                r.device.unwrap_or_default(),
                r.state,
                r.mode.unwrap_or_default(),
                r.elevation_used.to_string(),
                r.chat_used.to_string(),
                r.ended_by.unwrap_or_default(),
                r.refusal.unwrap_or_default(),
                r.created_at,
                r.started_at.unwrap_or_default(),
                r.ended_at.unwrap_or_default(),
                r.duration_secs.map(|d| d.to_string()).unwrap_or_default(),
                r.helper_email,
                r.sharer_email.unwrap_or_default(),
                r.encrypted.map(|e| e.to_string()).unwrap_or_default(),
            ],
        );
    }
    Ok(csv_download("deskmate-sessions.csv", out))
}

/// Monitor figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    /// Days covered by `per_day` and the average.
    pub days: i64,
    /// Sessions live now.
    pub active_now: i64,
    /// Sessions started per day (UTC), oldest first; days without sessions are 0.
    pub per_day: Vec<DaySessions>,
    /// Average length of ended sessions in the period, in seconds.
    pub average_duration_secs: Option<i64>,
}

/// Sessions on one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DaySessions {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Sessions started.
    pub sessions: i64,
}

/// The period of the monitor figures.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryParams {
    /// Days back from today (default: the retention period), 1–3650.
    pub days: Option<i64>,
}

/// Monitor: active sessions now, sessions per day, average duration.
#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports", params(SummaryParams),
    responses((status = 200, body = Summary)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<SummaryParams>,
) -> Result<ApiJson<Summary>, ApiError> {
    caller.require(Permission::ReportsRead)?;
    let tenant = caller.user.tenant_id;
    let retention = state
        .store
        .settings(tenant)
        .await?
        .map_or(30, |s| s.retention_days);
    let days = params.days.unwrap_or(retention);
    if !(1..=3650).contains(&days) {
        return Err(ApiError::field("days", "must be between 1 and 3650"));
    }
    const DAY: i64 = 86_400_000;
    let today = state.now().div_euclid(DAY);
    let first = today - days + 1;
    let counts = state.store.sessions_per_day(tenant, first * DAY).await?;
    let per_day = (first..=today)
        .map(|day| DaySessions {
            date: to_rfc3339(day * DAY).chars().take(10).collect(),
            sessions: counts
                .iter()
                .find(|c| c.day == day)
                .map_or(0, |c| c.sessions),
        })
        .collect();
    Ok(ApiJson(Summary {
        days,
        active_now: state.store.active_sessions(tenant).await?,
        per_day,
        average_duration_secs: state
            .store
            .average_duration_ms(tenant, first * DAY)
            .await?
            .map(|ms| ms / 1000),
    }))
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(csv_cell("Ana"), "\"Ana\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "\"'+1\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("-2"), "\"'-2\"");
        assert_eq!(csv_cell("a,b\nc"), "\"a,b\nc\"");
        assert_eq!(csv_cell("\u{FF1D}1+1"), "\"'\u{FF1D}1+1\"");
        assert_eq!(csv_cell("\ncmd"), "\"'\ncmd\"");
        assert_eq!(csv_cell("a=b"), "\"a=b\"");
    }
}
