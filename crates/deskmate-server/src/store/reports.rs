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

/// One row of the sessions report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// Session id.
    pub id: String,
    /// Helper (provider) id.
    pub helper_id: String,
    /// Helper name.
    pub helper_name: String,
    /// Sharer (recipient) id.
    pub sharer_id: Option<String>,
    /// Sharer name.
    pub sharer_name: Option<String>,
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

impl Store {
    /// The sessions report page and the total number of matching rows.
    pub async fn session_report(
        &self,
        tenant: TenantId,
        q: &ReportQuery,
    ) -> Result<(Vec<ReportRow>, i64), StoreError> {
        let mut filter = String::from(" WHERE r.tenant_id = $1");
        let mut n = 1;
        for (present, clause) in [
            (q.helper_id.is_some(), "r.helper_id = ?"),
            (q.sharer_id.is_some(), "r.sharer_id = ?"),
            (q.state.is_some(), "r.state = ?"),
            (q.from.is_some(), "r.created_at >= ?"),
            (q.to.is_some(), "r.created_at < ?"),
        ] {
            if present {
                n += 1;
                filter.push_str(&format!(" AND {}", clause.replace('?', &format!("${n}"))));
            }
        }
        let order = match q.sort {
            SortKey::Created => "r.created_at",
            SortKey::Started => "r.started_at",
            SortKey::Ended => "r.ended_at",
            SortKey::Duration => "(r.ended_at - r.started_at)",
        };
        let direction = if q.descending { "DESC" } else { "ASC" };
        let page = format!(
            "SELECT r.id, r.helper_id, h.first_name AS hf, h.last_name AS hl, r.sharer_id, s.first_name AS sf, \
             s.last_name AS sl, r.device_name, r.state, r.mode, r.elevation_used, r.chat_used, r.ended_by, r.refusal, \
             r.created_at, r.started_at, r.ended_at \
             FROM remote_sessions r JOIN users h ON h.id = r.helper_id LEFT JOIN users s ON s.id = r.sharer_id{filter} \
             ORDER BY CASE WHEN {order} IS NULL THEN 1 ELSE 0 END, {order} {direction}, r.id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count = format!("SELECT COUNT(*) AS n FROM remote_sessions r{filter}");
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
                if let Some(v) = q.from {
                    query = query.bind(v);
                }
                if let Some(v) = q.to {
                    query = query.bind(v);
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
                sharer_id: row.try_get("sharer_id")?,
                sharer_name: name("sf", "sl")?,
                device: row.try_get("device_name")?,
                state: row.try_get("state")?,
                mode: row.try_get("mode")?,
                elevation_used: get_flag(row, "elevation_used")?,
                chat_used: get_flag(row, "chat_used")?,
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
