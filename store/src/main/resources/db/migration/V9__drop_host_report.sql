-- Nothing ever set host_report: which of our names a report is about is in policy_domain and in the report.
ALTER TABLE tls_report_incoming DROP COLUMN host_report;
