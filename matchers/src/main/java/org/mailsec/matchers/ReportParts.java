package org.mailsec.matchers;

import java.io.IOException;
import java.util.Locale;
import java.util.function.Predicate;
import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.Part;
import javax.mail.internet.ContentType;
import javax.mail.internet.ParseException;

/**
 * Walks a message's MIME tree, bounded in depth and part count (hostile mail may nest without end), to find a
 * part a report matcher is looking for. Only headers are read, never decoded bodies.
 */
final class ReportParts {

    static final int MAX_DEPTH = 8;
    static final int MAX_PARTS = 100;

    private ReportParts() {
    }

    /**
     * Whether {@code root} or one of its parts satisfies {@code wanted}. A part that cannot be read (a multipart
     * without its start boundary, broken headers) is no report part: the mail goes on as ordinary mail.
     */
    static boolean any(Part root, Predicate<Part> wanted) {
        int[] budget = {MAX_PARTS};
        return walk(root, wanted, 0, budget);
    }

    private static boolean walk(Part part, Predicate<Part> wanted, int depth, int[] budget) {
        if (budget[0]-- <= 0 || depth > MAX_DEPTH) {
            return false;
        }
        try {
            if (wanted.test(part)) {
                return true;
            }
            if (part.isMimeType("multipart/*") && part.getContent() instanceof Multipart multipart) {
                for (int i = 0; i < multipart.getCount(); i++) {
                    if (walk(multipart.getBodyPart(i), wanted, depth + 1, budget)) {
                        return true;
                    }
                }
            }
        } catch (MessagingException | IOException | RuntimeException unreadable) {
            return false;
        }
        return false;
    }

    /** The part's content type, lower case, or empty when it does not parse. */
    static ContentType type(Part part) {
        try {
            return new ContentType(part.getContentType() == null ? "text/plain" : part.getContentType());
        } catch (MessagingException e) {
            try {
                return new ContentType("application/octet-stream");
            } catch (ParseException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    static String baseType(Part part) {
        return type(part).getBaseType().toLowerCase(Locale.ROOT);
    }

    static String fileName(Part part) {
        try {
            String name = part.getFileName();
            return name == null ? "" : name.toLowerCase(Locale.ROOT);
        } catch (MessagingException e) {
            return "";
        }
    }
}
