/**
 * The outbox, as CTEs appended to the statements that move calls (create, transitions, delete), so an event
 * and the change it describes commit together or not at all.
 *
 * `source` is a SELECT with the columns call_id, org_id, agent_id, status, previous_status, attempt,
 * end_reason, duration_seconds, sequence (one row per event). Rows of organisations with no enabled endpoint
 * cost one index probe on webhook_endpoints and write nothing. Each event gets one random event_id (the
 * `webhook-id`), shared by its messages: one message per enabled endpoint whose event_types is empty or
 * lists the event's type. The payload holds SPEC §6's fields only.
 *
 * `hook_event` is MATERIALIZED so the random ids are drawn once per event, whatever the join order.
 */
export function outboxCtes(source: string): string {
  return `hook_event AS MATERIALIZED (
    SELECT s.*, 'call.' || s.status AS event_type, 'evt_' || replace(gen_random_uuid()::text, '-', '') AS event_id,
      to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts
    FROM (${source}) s
    WHERE EXISTS (SELECT 1 FROM webhook_endpoints we WHERE we.org_id = s.org_id AND we.enabled)
  ), hook_outbox AS (
    INSERT INTO webhook_messages (id, event_id, endpoint_id, org_id, call_id, event_type, payload)
    SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), ev.event_id, we.id, ev.org_id, ev.call_id, ev.event_type,
      jsonb_build_object('type', ev.event_type, 'timestamp', ev.ts, 'data', jsonb_build_object(
        'call_id', ev.call_id, 'status', ev.status, 'previous_status', ev.previous_status, 'agent_id', ev.agent_id,
        'attempt', ev.attempt, 'end_reason', ev.end_reason, 'duration_seconds', ev.duration_seconds,
        'sequence', ev.sequence))
    FROM hook_event ev
    JOIN webhook_endpoints we ON we.org_id = ev.org_id AND we.enabled
      AND (cardinality(we.event_types) = 0 OR ev.event_type = ANY (we.event_types))
    RETURNING id
  )`;
}

/** The call's status-changing events so far (its create included), in the statement's snapshot: the next one's sequence - 1. */
export const EVENTS_SO_FAR = (callIdColumn: string) =>
  `(SELECT count(*)::int FROM call_events ce WHERE ce.call_id = ${callIdColumn} AND ce.from_status IS DISTINCT FROM ce.to_status)`;
