-- The realtime monitor across instances (issue 13): every instance upserts
-- its live sockets and its totals every few seconds; rows not refreshed
-- within the staleness bound belong to a dead instance and are ignored,
-- then deleted. A socket's row is also written when it is accepted (it
-- counts towards WS_MAX_SOCKETS_PER_SESSION at once) and deleted on close.
CREATE TABLE live_instances (
    instance_id TEXT PRIMARY KEY NOT NULL,
    started_at TIMESTAMP NOT NULL,
    refreshed_at TIMESTAMP NOT NULL,
    connections BIGINT NOT NULL,
    packets_scored BIGINT NOT NULL,
    anomalies BIGINT NOT NULL,
    terminations BIGINT NOT NULL
);

CREATE TABLE live_sockets (
    instance_id TEXT NOT NULL,
    conn_id BIGINT NOT NULL,
    session_id TEXT NOT NULL,
    username TEXT NOT NULL,
    connected_at TIMESTAMP NOT NULL,
    last_packet_at TIMESTAMP,
    packets BIGINT NOT NULL,
    events BIGINT NOT NULL,
    last_score DOUBLE PRECISION,
    max_score DOUBLE PRECISION,
    level TEXT NOT NULL,
    profile_state TEXT NOT NULL,
    refreshed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (instance_id, conn_id)
);
CREATE INDEX live_sockets_session_idx ON live_sockets (session_id, refreshed_at);
