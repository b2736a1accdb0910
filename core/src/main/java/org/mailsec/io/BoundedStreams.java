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
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(max, 64 * 1024));
        byte[] buffer = new byte[16 * 1024];
        long total = 0;
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
