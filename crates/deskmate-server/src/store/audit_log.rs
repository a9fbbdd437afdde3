//! The append-only, hash-chained audit log.
//!
//! Each tenant's events form a chain: an event's hash covers its own fields
//! and the previous event's hash, so changing, removing or reordering any
//! stored event breaks verification from that point on. With a signing key
//! loaded, every event's chain head is also signed (see `audit_signing`), so
//! a chain rewritten and recomputed by someone without the key is detected.

use super::{Store, StoreError, get_id};
use crate::audit::AuditAction;
use crate::clock::UnixMillis;
use crate::ids::{TenantId, UserId};
use data_encoding::HEXLOWER;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The hash before a tenant's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    /// Organisation.
    pub tenant_id: TenantId,
    /// Who did it (`None`: the system).
    pub actor_id: Option<UserId>,
    /// What was done.
    pub action: AuditAction,
    /// What it was done to (an id).
    pub target: Option<String>,
    /// Details as a JSON object.
    pub detail: serde_json::Value,
    /// Where the request came from.
    pub source_addr: Option<String>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Organisation.
    pub tenant_id: TenantId,
    /// Position in the tenant's chain, from 1.
    pub seq: i64,
    /// When.
    pub at: UnixMillis,
    /// Who.
    pub actor_id: Option<UserId>,
    /// What (stored name; unknown names from newer versions are kept as text).
    pub action: String,
    /// On what.
    pub target: Option<String>,
    /// Details (JSON text).
    pub detail: String,
    /// From where.
    pub source_addr: Option<String>,
    /// Previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

impl AuditEvent {
    /// The hash this event should have given its fields.
    pub fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.tenant_id,
            self.seq,
            self.at,
            self.actor_id,
            &self.action,
            self.target.as_deref(),
            &self.detail,
            self.source_addr.as_deref(),
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn chain_hash(
    prev: &str,
    tenant: TenantId,
    seq: i64,
    at: UnixMillis,
    actor: Option<UserId>,
    action: &str,
    target: Option<&str>,
    detail: &str,
    source: Option<&str>,
) -> String {
    // A JSON array is an unambiguous encoding of the fields.
    let canonical = serde_json::json!([
        prev,
        tenant.to_string(),
        seq,
        at,
        actor.map(|a| a.to_string()),
        action,
        target,
        detail,
        source
    ])
    .to_string();
    HEXLOWER.encode(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref())
}

fn event_from_row(row: &AnyRow) -> Result<AuditEvent, StoreError> {
    let actor: Option<String> = row.try_get("actor_id")?;
    Ok(AuditEvent {
        tenant_id: get_id(row, "tenant_id")?,
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_id: actor
            .map(|a| {
                a.parse()
                    .map_err(|_| StoreError::Corrupt(format!("actor id '{a}'")))
            })
            .transpose()?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        detail: row.try_get("detail")?,
        source_addr: row.try_get("source_addr")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Filters for reading the log; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor_id: Option<UserId>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only this target.
    pub target: Option<String>,
    /// At or after.
    pub from: Option<UnixMillis>,
    /// Before.
    pub to: Option<UnixMillis>,
    /// Only events with a smaller sequence number (paging backwards).
    pub before_seq: Option<i64>,
    /// At most this many (newest first).
    pub limit: i64,
}

/// Result of checking a tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every event is intact and in sequence.
    Intact {
        /// How many events were checked.
        events: i64,
    },
    /// The chain breaks at this sequence number.
    Broken {
        /// First bad event.
        seq: i64,
        /// What is wrong.
        reason: String,
    },
}

impl Store {
    /// Appends an event to its tenant's chain. Concurrent appends retry.
    pub async fn append_audit(
        &self,
        event: &NewAuditEvent,
        now: UnixMillis,
    ) -> Result<i64, StoreError> {
        let detail = event.detail.to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.begin_write().await?;
            let last = sqlx::query(
                "SELECT seq, hash, signature FROM audit_events WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(event.tenant_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            // Whether the chain so far carries this server's signature: a new
            // event is only signed on top of a signed head, so a chain that
            // was rewritten (and its signatures removed) is never vouched for.
            let (prev_seq, prev_hash, vouched) = match last {
                Some(row) => {
                    let seq: i64 = row.try_get("seq")?;
                    let hash: String = row.try_get("hash")?;
                    let signature: Option<String> = row.try_get("signature")?;
                    let vouched = self.audit_signer.as_ref().is_none_or(|signer| {
                        signature
                            .is_some_and(|sig| signer.verify(event.tenant_id, seq, &hash, &sig))
                    });
                    (seq, hash, vouched)
                }
                // Retention may have removed every event: continue from the anchor.
                None => {
                    let anchor =
                        sqlx::query("SELECT seq, hash FROM audit_anchors WHERE tenant_id = $1")
                            .bind(event.tenant_id.to_string())
                            .fetch_optional(&mut *tx)
                            .await?;
                    match anchor {
                        Some(row) => (
                            row.try_get::<i64, _>("seq")?,
                            row.try_get::<String, _>("hash")?,
                            true,
                        ),
                        None => (0, GENESIS.to_string(), true),
                    }
                }
            };
            let seq = prev_seq + 1;
            let hash = chain_hash(
                &prev_hash,
                event.tenant_id,
                seq,
                now,
                event.actor_id,
                event.action.as_str(),
                event.target.as_deref(),
                &detail,
                event.source_addr.as_deref(),
            );
            let signature = match &self.audit_signer {
                Some(signer) if vouched => Some(signer.sign(event.tenant_id, seq, &hash)),
                Some(_) => {
                    tracing::error!(tenant = %event.tenant_id, seq,
                        "the audit log's newest event is not signed by this server: the log was \
                         changed outside Deskmate; new events stay unsigned until it is investigated");
                    None
                }
                None => None,
            };
            let inserted = sqlx::query(
                "INSERT INTO audit_events (tenant_id, seq, at, actor_id, action, target, detail, source_addr, prev_hash, hash, signature) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(event.tenant_id.to_string())
            .bind(seq)
            .bind(now)
            .bind(event.actor_id.map(|a| a.to_string()))
            .bind(event.action.as_str())
            .bind(event.target.as_deref())
            .bind(&detail)
            .bind(event.source_addr.as_deref())
            .bind(&prev_hash)
            .bind(&hash)
            .bind(signature)
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {
                    tx.commit().await?;
                    if let Some(forwarder) = &self.audit_forwarder {
                        forwarder.forward(AuditEvent {
                            tenant_id: event.tenant_id,
                            seq,
                            at: now,
                            actor_id: event.actor_id,
                            action: event.action.as_str().to_string(),
                            target: event.target.clone(),
                            detail,
                            source_addr: event.source_addr.clone(),
                            prev_hash,
                            hash,
                        });
                    }
                    return Ok(seq);
                }
                Err(err) => {
                    let _ = tx.rollback().await;
                    let unique = matches!(&err, sqlx::Error::Database(db)
                        if db.kind() == sqlx::error::ErrorKind::UniqueViolation);
                    if !unique || attempt >= 20 {
                        return Err(err.into());
                    }
                }
            }
        }
    }

    /// Reads events, newest first (at most 1000).
    pub async fn list_audit(
        &self,
        tenant: TenantId,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        self.query_audit(tenant, filter, 1000).await
    }

    /// Reads events for an export, newest first (at most `max`, whatever the filter's limit).
    pub async fn export_audit(
        &self,
        tenant: TenantId,
        filter: &AuditFilter,
        max: i64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        self.query_audit(tenant, filter, max).await
    }

    async fn query_audit(
        &self,
        tenant: TenantId,
        filter: &AuditFilter,
        max: i64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let mut sql = String::from("SELECT * FROM audit_events WHERE tenant_id = $1");
        let mut n = 1;
        let mut next = |sql: &mut String, clause: &str| {
            n += 1;
            sql.push_str(&clause.replace('?', &format!("${n}")));
        };
        if filter.actor_id.is_some() {
            next(&mut sql, " AND actor_id = ?");
        }
        if filter.action.is_some() {
            next(&mut sql, " AND action = ?");
        }
        if filter.target.is_some() {
            next(&mut sql, " AND target = ?");
        }
        if filter.from.is_some() {
            next(&mut sql, " AND at >= ?");
        }
        if filter.to.is_some() {
            next(&mut sql, " AND at < ?");
        }
        if filter.before_seq.is_some() {
            next(&mut sql, " AND seq < ?");
        }
        next(&mut sql, " ORDER BY seq DESC LIMIT ?");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.to_string());
        if let Some(actor) = filter.actor_id {
            query = query.bind(actor.to_string());
        }
        if let Some(action) = filter.action {
            query = query.bind(action.as_str());
        }
        if let Some(target) = &filter.target {
            query = query.bind(target.clone());
        }
        if let Some(from) = filter.from {
            query = query.bind(from);
        }
        if let Some(to) = filter.to {
            query = query.bind(to);
        }
        if let Some(before) = filter.before_seq {
            query = query.bind(before);
        }
        query = query.bind(filter.limit.clamp(1, max.max(1)));
        query
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(event_from_row)
            .collect()
    }

    /// Checks a tenant's whole chain (from its anchor, when retention removed older events).
    pub async fn verify_audit(&self, tenant: TenantId) -> Result<ChainCheck, StoreError> {
        let anchor = sqlx::query("SELECT seq, hash FROM audit_anchors WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(self.pool())
            .await?;
        let (mut expected_seq, mut prev) = match anchor {
            Some(row) => (
                row.try_get::<i64, _>("seq")? + 1,
                row.try_get::<String, _>("hash")?,
            ),
            None => (1, GENESIS.to_string()),
        };
        let first = expected_seq;
        let rows = sqlx::query("SELECT * FROM audit_events WHERE tenant_id = $1 ORDER BY seq")
            .bind(tenant.to_string())
            .fetch_all(self.pool())
            .await?;
        let mut newest_signed = true;
        let mut seen_signed = false;
        for row in &rows {
            let event = event_from_row(row)?;
            let signature: Option<String> = row.try_get("signature")?;
            if event.seq != expected_seq {
                return Ok(ChainCheck::Broken {
                    seq: event.seq,
                    reason: format!("expected event {expected_seq}, found {}", event.seq),
                });
            }
            if event.prev_hash != prev {
                return Ok(ChainCheck::Broken {
                    seq: event.seq,
                    reason: "does not follow the previous event".into(),
                });
            }
            if event.expected_hash() != event.hash {
                return Ok(ChainCheck::Broken {
                    seq: event.seq,
                    reason: "its content was changed after it was recorded".into(),
                });
            }
            if let Some(signer) = &self.audit_signer {
                newest_signed = signature.is_some();
                if seen_signed && signature.is_none() {
                    return Ok(ChainCheck::Broken {
                        seq: event.seq,
                        reason: "it is not signed although earlier events are: events were \
                                 rewritten or added without the audit signing key"
                            .into(),
                    });
                }
                seen_signed |= newest_signed;
                if let Some(signature) = signature
                    && !signer.verify(event.tenant_id, event.seq, &event.hash, &signature)
                {
                    return Ok(ChainCheck::Broken {
                        seq: event.seq,
                        reason: "its signature does not match: this event or an earlier one was \
                                 rewritten without the audit signing key"
                            .into(),
                    });
                }
            }
            prev = event.hash;
            expected_seq += 1;
        }
        if !newest_signed {
            return Ok(ChainCheck::Broken {
                seq: expected_seq - 1,
                reason: "the newest event is not signed: events were rewritten or added without \
                         the audit signing key"
                    .into(),
            });
        }
        Ok(ChainCheck::Intact {
            events: expected_seq - first,
        })
    }

    /// Whether any audit event carries a signature.
    pub async fn has_signed_audit_events(&self) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT 1 AS one FROM audit_events WHERE signature IS NOT NULL LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
        Ok(row.is_some())
    }

    /// Signs the newest event of every tenant whose newest event is unsigned;
    /// used once, when the signing key is created, so the events recorded
    /// before signing are covered by the first signature. Returns how many
    /// tenants' chains were signed.
    pub async fn sign_unsigned_audit_heads(&self) -> Result<u64, StoreError> {
        let Some(signer) = &self.audit_signer else {
            return Ok(0);
        };
        let heads = sqlx::query(
            "SELECT e.tenant_id, e.seq, e.hash FROM audit_events e \
             WHERE e.signature IS NULL AND e.seq = (SELECT MAX(seq) FROM audit_events m WHERE m.tenant_id = e.tenant_id)",
        )
        .fetch_all(self.pool())
        .await?;
        let mut signed = 0;
        for row in &heads {
            let tenant: TenantId = get_id(row, "tenant_id")?;
            let seq: i64 = row.try_get("seq")?;
            let hash: String = row.try_get("hash")?;
            signed += sqlx::query(
                "UPDATE audit_events SET signature = $1 WHERE tenant_id = $2 AND seq = $3 AND signature IS NULL",
            )
            .bind(signer.sign(tenant, seq, &hash))
            .bind(tenant.to_string())
            .bind(seq)
            .execute(self.pool())
            .await?
            .rows_affected();
        }
        Ok(signed)
    }

    /// Removes a tenant's audit events older than `cutoff`, keeping the
    /// chain verifiable: the last removed event becomes the anchor.
    pub async fn purge_audit_before(
        &self,
        tenant: TenantId,
        cutoff: UnixMillis,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let last = sqlx::query(
            "SELECT seq, hash FROM audit_events WHERE tenant_id = $1 AND at < $2 ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant.to_string())
        .bind(cutoff)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(last) = last else {
            tx.rollback().await?;
            return Ok(0);
        };
        let (seq, hash): (i64, String) = (last.try_get("seq")?, last.try_get("hash")?);
        // Events are removed up to the anchor only, so the chain stays gap-free.
        let done = sqlx::query("DELETE FROM audit_events WHERE tenant_id = $1 AND seq <= $2")
            .bind(tenant.to_string())
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM audit_anchors WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO audit_anchors (tenant_id, seq, hash) VALUES ($1, $2, $3)")
            .bind(tenant.to_string())
            .bind(seq)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
