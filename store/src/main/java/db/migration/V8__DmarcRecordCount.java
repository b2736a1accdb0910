package db.migration;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.mailsec.dmarc.report.AggregateReportXml;
import org.mailsec.io.RejectedInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds {@code record_count} to received DMARC reports, so that a listing reads columns only and never parses the
 * stored XML again; reports stored before it get their count from their XML, once, here.
 */
public class V8__DmarcRecordCount extends BaseJavaMigration {

    private static final Logger LOG = LoggerFactory.getLogger(V8__DmarcRecordCount.class);

    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE dmarc_report_incoming ADD COLUMN record_count BIGINT");
        }
        int filled = 0;
        try (Statement select = c.createStatement();
             ResultSet rs = select.executeQuery("SELECT id, report_xml FROM dmarc_report_incoming");
             PreparedStatement update = c.prepareStatement("UPDATE dmarc_report_incoming SET record_count = ? WHERE id = ?")) {
            while (rs.next()) {
                long count;
                try {
                    count = AggregateReportXml.read(rs.getString(2).getBytes(StandardCharsets.UTF_8)).records().size();
                } catch (RejectedInputException | RuntimeException e) {
                    LOG.warn("stored DMARC report {} does not read ({}); its record count is 0", rs.getLong(1), e.getMessage());
                    count = 0;
                }
                update.setLong(1, count);
                update.setLong(2, rs.getLong(1));
                update.executeUpdate();
                filled++;
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE dmarc_report_incoming ALTER COLUMN record_count SET NOT NULL");
        }
        if (filled > 0) {
            LOG.info("mailsec store: record counts of {} stored DMARC reports filled in", filled);
        }
    }
}
