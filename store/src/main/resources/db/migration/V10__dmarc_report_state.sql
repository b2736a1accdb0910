-- Per (policy domain, end of period): which node claimed our DMARC aggregate report until when, and how it ended.
-- Periods are whole UTC hours (RFC 7489 §7.2 intervals); a report's begin may reach back past its interval to
-- evaluations a failed run left, so the end is what names a period.
CREATE TABLE dmarc_report_state (
    policy_domain  VARCHAR(255)             NOT NULL,
    period_end     TIMESTAMP WITH TIME ZONE NOT NULL,
    claimed_by     VARCHAR(255)             NOT NULL,
    claimed_until  TIMESTAMP WITH TIME ZONE NOT NULL,
    period_begin   TIMESTAMP WITH TIME ZONE,
    report_id      VARCHAR(64),
    outcome        VARCHAR(32),
    done_at        TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (policy_domain, period_end)
);
