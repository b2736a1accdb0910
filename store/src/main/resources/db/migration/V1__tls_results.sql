-- TLS outcomes of outgoing deliveries (RFC 8460), one counter per distinct (policy domain, UTC day, key).
-- key_hash is the SHA-256 of every other key column, so the primary key stays small on both databases.
CREATE TABLE tls_result (
    policy_domain         VARCHAR(255)  NOT NULL,
    utc_day                DATE          NOT NULL,
    key_hash              CHAR(64)      NOT NULL,
    recipient_domain      VARCHAR(255)  NOT NULL,
    is_host               BOOLEAN       NOT NULL,
    report_delivery       BOOLEAN       NOT NULL,
    policy_type           VARCHAR(32)   NOT NULL,
    policy_strings        VARCHAR(65535) NOT NULL,
    mx_host_pattern       VARCHAR(255)  NOT NULL,
    result_type           VARCHAR(64)   NOT NULL,
    sending_ip            VARCHAR(64)   NOT NULL,
    receiving_mx_hostname VARCHAR(255)  NOT NULL,
    receiving_mx_helo     VARCHAR(255)  NOT NULL,
    receiving_ip          VARCHAR(64)   NOT NULL,
    failure_reason_code   VARCHAR(255)  NOT NULL,
    session_count         BIGINT        NOT NULL,
    PRIMARY KEY (policy_domain, utc_day, key_hash)
);
CREATE INDEX tls_result_day ON tls_result (utc_day);

-- Per (policy domain, day): which node claimed the daily report until when, and what was sent.
CREATE TABLE tls_report_state (
    policy_domain      VARCHAR(255)             NOT NULL,
    utc_day             DATE                     NOT NULL,
    claimed_by         VARCHAR(255)             NOT NULL,
    claimed_until      TIMESTAMP WITH TIME ZONE NOT NULL,
    sent_at            TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (policy_domain, utc_day)
);
