package org.mailsec.io;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Turns a possibly compressed blob into its plain payloads: gzip (also gzip inside gzip, as some
 * senders double-compress) and zip archives (every file entry), recognised by magic bytes whatever the
 * name or content type claims. Every layer is bounded by {@link InputLimits}.
 */
public final class Decompressor {

    private final InputLimits limits;

    public Decompressor(InputLimits limits) {
        this.limits = limits;
    }

    /** The plain payloads in {@code bytes}; a blob that is not compressed is returned as the only payload. */
    public List<Payload> unwrap(byte[] bytes, String name) throws RejectedInputException {
        if (bytes.length > limits.maxInputBytes()) {
            throw new RejectedInputException(describe(name) + " is " + bytes.length + " bytes, over the limit of "
                + limits.maxInputBytes());
        }
        List<Payload> out = new ArrayList<>();
        unwrap(bytes, name == null ? "" : name, 0, new long[] {0}, out);
        return out;
    }

    private void unwrap(byte[] bytes, String name, int depth, long[] budgetUsed, List<Payload> out)
            throws RejectedInputException {
        ContentSniffer.Kind kind = ContentSniffer.sniff(bytes);
        if (kind != ContentSniffer.Kind.GZIP && kind != ContentSniffer.Kind.ZIP) {
            out.add(new Payload(name, bytes));
            return;
        }
        if (depth >= limits.maxNesting()) {
            throw new RejectedInputException(describe(name) + " nests compression more than "
                + limits.maxNesting() + " levels deep");
        }
        if (kind == ContentSniffer.Kind.GZIP) {
            byte[] plain = gunzip(bytes, name, remaining(budgetUsed));
            budgetUsed[0] += plain.length;
            unwrap(plain, stripSuffix(name, ".gz"), depth + 1, budgetUsed, out);
        } else {
            unzip(bytes, name, depth, budgetUsed, out);
        }
    }

    private long remaining(long[] budgetUsed) {
        return limits.maxDecompressedBytes() - budgetUsed[0];
    }

    private byte[] gunzip(byte[] bytes, String name, long max) throws RejectedInputException {
        // The inflater's input buffer no larger than the input: a small report must not pay for 16 KB of zeroes.
        int buffer = Math.max(512, Math.min(INFLATE_BUFFER, bytes.length));
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), buffer)) {
            return BoundedStreams.readAtMost(in, max, "decompressed " + describe(name), announcedSize(bytes));
        } catch (EOFException e) {
            throw new RejectedInputException(describe(name) + " is a truncated gzip stream", e);
        } catch (IOException e) {
            throw new RejectedInputException(describe(name) + " is not valid gzip: " + e.getMessage(), e);
        }
    }

    /**
     * RFC 1952 §2.3.1 ISIZE: the last member's uncompressed size modulo 2^32, a hint for the buffer only. A size
     * more than {@value #BELIEVED_RATIO} times the compressed bytes is not believed (reports compress 10-30 times;
     * deflate could reach 1032), so a lying trailer cannot make a few bytes allocate much.
     */
    private static long announcedSize(byte[] gzip) {
        if (gzip.length < 18) {
            return 0;
        }
        int n = gzip.length;
        long size = (gzip[n - 4] & 0xffL) | (gzip[n - 3] & 0xffL) << 8 | (gzip[n - 2] & 0xffL) << 16
            | (gzip[n - 1] & 0xffL) << 24;
        return size <= (long) n * BELIEVED_RATIO ? size : 0;
    }

    private static final int BELIEVED_RATIO = 64;

    /** Input handed to the inflater at a time (the JDK's default is 512 bytes). */
    private static final int INFLATE_BUFFER = 16 * 1024;

    private void unzip(byte[] bytes, String name, int depth, long[] budgetUsed, List<Payload> out)
            throws RejectedInputException {
        int entries = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                if (entry.isDirectory()) {
                    continue;
                }
                if (++entries > limits.maxArchiveEntries()) {
                    throw new RejectedInputException(describe(name) + " has more than "
                        + limits.maxArchiveEntries() + " entries");
                }
                byte[] plain = BoundedStreams.readAtMost(zip, remaining(budgetUsed),
                    "decompressed " + describe(name) + " entry " + entry.getName());
                budgetUsed[0] += plain.length;
                unwrap(plain, entry.getName(), depth + 1, budgetUsed, out);
            }
        } catch (EOFException e) {
            throw new RejectedInputException(describe(name) + " is a truncated zip archive", e);
        } catch (ZipException e) {
            throw new RejectedInputException(describe(name) + " is not a valid zip archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new RejectedInputException(describe(name) + " could not be read as zip: " + e.getMessage(), e);
        }
        if (entries == 0) {
            throw new RejectedInputException(describe(name) + " is a zip archive without files");
        }
    }

    static String stripSuffix(String name, String suffix) {
        return name.toLowerCase(Locale.ROOT).endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : name;
    }

    private static String describe(String name) {
        return name == null || name.isEmpty() ? "input" : "'" + name + "'";
    }
}
