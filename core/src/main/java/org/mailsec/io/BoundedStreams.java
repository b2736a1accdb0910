package org.mailsec.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads streams into memory without ever holding more than a set number of bytes. */
public final class BoundedStreams {

    private BoundedStreams() {
    }

    /**
     * Reads {@code in} to its end, failing as soon as more than {@code max} bytes arrive, so a
     * decompression bomb is stopped after {@code max} bytes, not after it has filled the heap.
     */
    public static byte[] readAtMost(InputStream in, long max, String what) throws IOException, RejectedInputException {
        return readAtMost(in, max, what, 0);
    }

    /**
     * As {@link #readAtMost(InputStream, long, String)}, into one array of {@code expected} bytes first (a size the
     * input announces, such as gzip's trailer): when the stream is exactly that long nothing is copied. The
     * announcement is only a hint, never trusted beyond {@code max}.
     */
    public static byte[] readAtMost(InputStream in, long max, String what, long expected)
            throws IOException, RejectedInputException {
        if (expected > 0 && expected <= max && expected <= MAX_HINT) {
            byte[] exact = new byte[(int) expected];
            int filled = in.readNBytes(exact, 0, exact.length);
            if (filled < exact.length) {
                return java.util.Arrays.copyOf(exact, filled);
            }
            int next = in.read();
            if (next == -1) {
                return exact;
            }
            // Longer than announced: go on the bounded way with what was read.
            ByteArrayOutputStream out = new ByteArrayOutputStream(exact.length + 64 * 1024);
            out.write(exact);
            out.write(next);
            return readRest(in, max, what, out, exact.length + 1L);
        }
        return readRest(in, max, what, new ByteArrayOutputStream((int) Math.min(max, 64 * 1024)), 0);
    }

    /** Announced sizes above this are not allocated up front (a hint of 4 GB from 40 bytes of gzip is not believed). */
    private static final long MAX_HINT = 64L * 1024 * 1024;

    private static byte[] readRest(InputStream in, long max, String what, ByteArrayOutputStream out, long already)
            throws IOException, RejectedInputException {
        if (already > max) {
            throw new RejectedInputException(what + " is larger than the limit of " + max + " bytes");
        }
        byte[] buffer = new byte[16 * 1024];
        long total = already;
        int n;
        while ((n = in.read(buffer)) != -1) {
            total += n;
            if (total > max) {
                throw new RejectedInputException(what + " is larger than the limit of " + max + " bytes");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }
}
