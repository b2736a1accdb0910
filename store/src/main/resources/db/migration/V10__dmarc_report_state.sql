-- Which run may send a policy domain's DMARC aggregate report now: one lease per domain, whatever the period, so
-- two runs (two nodes, or the hourly job and an operator's) never read the same evaluations at once.
CREATE TABLE dmarc_report_lease (
    policy_domain  VARCHAR(255)             NOT NULL PRIMARY KEY,
    holder         VARCHAR(255)             NOT NULL,
    held_until     TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Per (policy domain, end of period): the report made for it (id and begin, written before it is handed over) and how
-- it ended. Periods are whole UTC hours (RFC 7489 §7.2 intervals); a report's begin may reach back past its interval to
-- evaluations a failed run left, so the end is what names a period.
CREATE TABLE dmarc_report_state (
    policy_domain  VARCHAR(255)             NOT NULL,
    period_end     TIMESTAMP WITH TIME ZONE NOT NULL,
    period_begin   TIMESTAMP WITH TIME ZONE NOT NULL,
    report_id      VARCHAR(64)              NOT NULL,
    outcome        VARCHAR(32),
    done_at        TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (policy_domain, period_end)
);
