-- The report mails mailsec sent, by Message-ID and recipient: a bounce suppresses an address only when it refers
-- to one of them (anyone can mail a forged DSN to the reporting address). Kept 30 days by retention.
CREATE TABLE report_sent (
    message_id  VARCHAR(998)             NOT NULL,
    address     VARCHAR(512)             NOT NULL,
    sent_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (message_id, address)
);
CREATE INDEX report_sent_at ON report_sent (sent_at);
