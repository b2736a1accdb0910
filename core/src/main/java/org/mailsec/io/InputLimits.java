package org.mailsec.io;

/**
 * Caps applied to untrusted input (report mails, attachments, HTTP bodies) before and while it is
 * decoded, so a hostile sender cannot make mailsec use unbounded memory.
 *
 * @param maxInputBytes        largest accepted input as received (a whole mail or file)
 * @param maxDecompressedBytes largest accepted total after decompression (gzip, zip), across all payloads
 * @param maxArchiveEntries    most zip entries / MIME leaf parts looked at
 * @param maxNesting           deepest nesting of compression layers or MIME multiparts followed
 */
public record InputLimits(long maxInputBytes, long maxDecompressedBytes, int maxArchiveEntries, int maxNesting) {

    private static final long MB = 1024 * 1024;

    /** Defaults in line with mox: 15 MB message, 20 MB decompressed JSON/XML. */
    public static final InputLimits DEFAULT = new InputLimits(15 * MB, 20 * MB, 100, 8);

    public InputLimits {
        if (maxInputBytes <= 0 || maxDecompressedBytes <= 0 || maxArchiveEntries <= 0 || maxNesting <= 0) {
            throw new IllegalArgumentException("input limits must be positive");
        }
    }

    public InputLimits withMaxDecompressedBytes(long bytes) {
        return new InputLimits(maxInputBytes, bytes, maxArchiveEntries, maxNesting);
    }

    public InputLimits withMaxInputBytes(long bytes) {
        return new InputLimits(bytes, maxDecompressedBytes, maxArchiveEntries, maxNesting);
    }
}
