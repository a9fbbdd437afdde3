//! Report queries over session records: the sessions report (one row per
//! session with names joined in) and the monitor figures.

use super::{Store, StoreError, get_flag};
use crate::clock::UnixMillis;
use crate::ids::{TenantId, UserId};
use sqlx::Row;

/// How to order the sessions report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Code issue time.
    Created,
    /// First consent.
    Started,
    /// End.
    Ended,
    /// Length (ended − started).
    Duration,
    /// Helper's name.
    Helper,
    /// Sharer's name.
    Sharer,
    /// Device name.
    Device,
}

impl SortKey {
    /// The SQL expression sorted on, and whether it can be NULL.
    fn expression(self) -> (&'static str, bool) {
        match self {
            SortKey::Created => ("r.created_at", false),
            SortKey::Started => ("r.started_at", true),
            SortKey::Ended => ("r.ended_at", true),
            SortKey::Duration => ("(r.ended_at - r.started_at)", true),
            SortKey::Helper => ("LOWER(h.first_name || ' ' || h.last_name)", false),
            SortKey::Sharer => ("LOWER(s.first_name || ' ' || s.last_name)", true),
            SortKey::Device => ("LOWER(r.device_name)", true),
        }
    }

    /// Whether sorting needs the users joined.
    fn needs_names(self) -> bool {
        matches!(self, SortKey::Helper | SortKey::Sharer)
    }
}

/// Filters, order and page of the sessions report.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// Only this helper.
    pub helper_id: Option<UserId>,
    /// Only this sharer.
    pub sharer_id: Option<UserId>,
    /// Only this state.
    pub state: Option<String>,
    /// Only this mode (`view` or `control`).
    pub mode: Option<String>,
    /// Only sessions whose helper or sharer name or e-mail address, or
    /// device name, contains this text (case-insensitive), or whose session,
    /// helper or sharer id is exactly this.
    pub search: Option<String>,
    /// Issued at or after.
    pub from: Option<UnixMillis>,
    /// Issued before.
    pub to: Option<UnixMillis>,
    /// Order by.
    pub sort: SortKey,
    /// Newest / largest first.
    pub descending: bool,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

impl Default for ReportQuery {
    fn default() -> Self {
        Self {
            helper_id: None,
            sharer_id: None,
            state: None,
            mode: None,
            search: None,
            from: None,
            to: None,
            sort: SortKey::Created,
            descending: true,
            limit: 50,
            offset: 0,
        }
    }
}

/// One row of the sessions report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
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
    /// Device name.
    pub device: Option<String>,
    /// State.
    pub state: String,
    /// Mode.
    pub mode: Option<String>,
    /// Elevation used.
    pub elevation_used: bool,
    /// Chat used.
    pub chat_used: bool,
    /// Encrypted end to end (`None` before redemption).
    pub encrypted: Option<bool>,
    /// Who ended it.
    pub ended_by: Option<String>,
    /// Refusal reason.
    pub refusal: Option<String>,
    /// Issued.
    pub created_at: UnixMillis,
    /// Started.
    pub started_at: Option<UnixMillis>,
    /// Ended.
    pub ended_at: Option<UnixMillis>,
}

/// Sessions started on one day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    /// Days since the Unix epoch.
    pub day: i64,
    /// Sessions whose code was issued that day.
    pub sessions: i64,
}

/// A `LIKE … ESCAPE '\'` pattern matching `text` anywhere, lower-cased,
/// with `%`, `_` and `\` taken literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Users of the tenant whose name or e-mail address matches `$L`.
const MATCHING_USERS: &str = "SELECT u.id FROM users u WHERE u.tenant_id = $1 \
     AND (LOWER(u.first_name || ' ' || u.last_name) LIKE $L ESCAPE '\\' OR LOWER(u.email) LIKE $L ESCAPE '\\')";

/// The search condition over helper, sharer and device; `$L` is the LIKE
/// pattern and `$E` the exact text (for ids). People are matched in the
/// small users table first, so the sessions are not joined row by row.
fn search_clause(like: usize, exact: usize) -> String {
    let users = MATCHING_USERS.replace("$L", &format!("${like}"));
    format!(
        " AND (r.helper_id IN ({users}) OR r.sharer_id IN ({users}) \
         OR LOWER(r.device_name) LIKE ${like} ESCAPE '\\' \
         OR r.id = ${exact} OR r.helper_id = ${exact} OR r.sharer_id = ${exact})"
    )
}

impl Store {
    /// The sessions report page and the total number of matching rows.
    ///
    /// The page is chosen on `remote_sessions` alone (joining the users only
    /// when the order is by name), then only the rows of the page are joined
    /// with names: a late page of a large report does not join every row
    /// before it.
    pub async fn session_report(
        &self,
        tenant: TenantId,
        q: &ReportQuery,
    ) -> Result<(Vec<ReportRow>, i64), StoreError> {
        let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let mut filter = String::from(" WHERE r.tenant_id = $1");
        let mut n = 1;
        for (present, clause) in [
            (q.helper_id.is_some(), "r.helper_id = ?"),
            (q.sharer_id.is_some(), "r.sharer_id = ?"),
            (q.state.is_some(), "r.state = ?"),
            (q.mode.is_some(), "r.mode = ?"),
            (q.from.is_some(), "r.created_at >= ?"),
            (q.to.is_some(), "r.created_at < ?"),
        ] {
            if present {
                n += 1;
                filter.push_str(&format!(" AND {}", clause.replace('?', &format!("${n}"))));
            }
        }
        if search.is_some() {
            filter.push_str(&search_clause(n + 1, n + 2));
            n += 2;
        }
        let joins = if q.sort.needs_names() {
            " JOIN users h ON h.id = r.helper_id LEFT JOIN users s ON s.id = r.sharer_id"
        } else {
            ""
        };
        let (expr, nullable) = q.sort.expression();
        let direction = if q.descending { "DESC" } else { "ASC" };
        let nulls_last = if nullable {
            format!("CASE WHEN {expr} IS NULL THEN 1 ELSE 0 END, ")
        } else {
            String::new()
        };
        let order = format!("{nulls_last}{expr} {direction}, r.id {direction}");
        let page = format!(
            "SELECT r.id, r.helper_id, h.first_name AS hf, h.last_name AS hl, h.email AS he, r.sharer_id, \
             s.first_name AS sf, s.last_name AS sl, s.email AS se, r.device_name, r.state, r.mode, \
             r.elevation_used, r.chat_used, r.encrypted, r.ended_by, r.refusal, r.created_at, r.started_at, r.ended_at \
             FROM (SELECT r.id AS sid FROM remote_sessions r{joins}{filter} ORDER BY {order} LIMIT ${} OFFSET ${}) p \
             JOIN remote_sessions r ON r.id = p.sid JOIN users h ON h.id = r.helper_id \
             LEFT JOIN users s ON s.id = r.sharer_id ORDER BY {order}",
            n + 1,
            n + 2
        );
        let count = format!("SELECT COUNT(*) AS n FROM remote_sessions r{joins}{filter}");
        macro_rules! bind_filters {
            ($query:expr) => {{
                let mut query = $query.bind(tenant.to_string());
                if let Some(v) = q.helper_id {
                    query = query.bind(v.to_string());
                }
                if let Some(v) = q.sharer_id {
                    query = query.bind(v.to_string());
                }
                if let Some(v) = &q.state {
                    query = query.bind(v.clone());
                }
                if let Some(v) = &q.mode {
                    query = query.bind(v.clone());
                }
                if let Some(v) = q.from {
                    query = query.bind(v);
                }
                if let Some(v) = q.to {
                    query = query.bind(v);
                }
                if let Some(v) = search {
                    query = query.bind(like_pattern(v)).bind(v.to_string());
                }
                query
            }};
        }
        let total: i64 = bind_filters!(sqlx::query(sqlx::AssertSqlSafe(count)))
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        let rows = bind_filters!(sqlx::query(sqlx::AssertSqlSafe(page)))
            .bind(q.limit.clamp(1, 100_000))
            .bind(q.offset.max(0))
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let name = |first: &str, last: &str| -> Result<Option<String>, StoreError> {
                let f: Option<String> = row.try_get(first)?;
                let l: Option<String> = row.try_get(last)?;
                Ok(f.map(|f| format!("{f} {}", l.unwrap_or_default())))
            };
            out.push(ReportRow {
                id: row.try_get("id")?,
                helper_id: row.try_get("helper_id")?,
                helper_name: name("hf", "hl")?.unwrap_or_default(),
                helper_email: row.try_get("he")?,
                sharer_id: row.try_get("sharer_id")?,
                sharer_name: name("sf", "sl")?,
                sharer_email: row.try_get("se")?,
                device: row.try_get("device_name")?,
                state: row.try_get("state")?,
                mode: row.try_get("mode")?,
                elevation_used: get_flag(row, "elevation_used")?,
                chat_used: get_flag(row, "chat_used")?,
                encrypted: row.try_get::<Option<i64>, _>("encrypted")?.map(|v| v != 0),
                ended_by: row.try_get("ended_by")?,
                refusal: row.try_get("refusal")?,
                created_at: row.try_get("created_at")?,
                started_at: row.try_get("started_at")?,
                ended_at: row.try_get("ended_at")?,
            });
        }
        Ok((out, total))
    }

    /// Sessions live now (paired or active).
    pub async fn active_sessions(&self, tenant: TenantId) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM remote_sessions WHERE tenant_id = $1 AND state IN ('paired', 'active')")
            .bind(tenant.to_string())
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// Sessions that started (were consented) per UTC day since `from`.
    pub async fn sessions_per_day(
        &self,
        tenant: TenantId,
        from: UnixMillis,
    ) -> Result<Vec<DayCount>, StoreError> {
        sqlx::query(
            "SELECT started_at / 86400000 AS day, COUNT(*) AS n FROM remote_sessions \
             WHERE tenant_id = $1 AND started_at IS NOT NULL AND started_at >= $2 GROUP BY started_at / 86400000 ORDER BY day",
        )
        .bind(tenant.to_string())
        .bind(from)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| Ok(DayCount { day: row.try_get("day")?, sessions: row.try_get("n")? }))
        .collect()
    }

    /// Average length in milliseconds of sessions that started since `from` and ended.
    pub async fn average_duration_ms(
        &self,
        tenant: TenantId,
        from: UnixMillis,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(SUM(ended_at - started_at) AS BIGINT) AS total, COUNT(*) AS n FROM remote_sessions \
             WHERE tenant_id = $1 AND started_at IS NOT NULL AND ended_at IS NOT NULL AND started_at >= $2",
        )
        .bind(tenant.to_string())
        .bind(from)
        .fetch_one(self.pool())
        .await?;
        let n: i64 = row.try_get("n")?;
        let total: Option<i64> = row.try_get("total")?;
        Ok(total.filter(|_| n > 0).map(|t| t / n))
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn search_text_is_taken_literally() {
        assert_eq!(like_pattern("Ana"), "%ana%");
        assert_eq!(like_pattern(r"50%_x\"), r"%50\%\_x\\%");
    }
}
