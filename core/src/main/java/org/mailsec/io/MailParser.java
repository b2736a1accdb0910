package org.mailsec.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.Part;
import javax.mail.Session;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimeUtility;
import javax.mail.util.ByteArrayDataSource;

/**
 * Takes a mail apart into its leaf parts, leniently: real report mails carry unquoted or misplaced
 * parameters, missing end boundaries and malformed headers, and none of that may lose the report.
 * Sizes, part counts and nesting are bounded by {@link InputLimits}.
 */
public final class MailParser {

    private static final Pattern MIME_TYPE = Pattern.compile("^\\s*([A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+)");
    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary\\s*=\\s*(\"([^\"]*)\"|([^\\s;]+))");
    private static final Pattern NAME_PARAM = Pattern.compile("(?i)(?:^|;)\\s*(?:file)?name\\*?\\s*=\\s*(\"([^\"]*)\"|([^\\s;]+))");

    private final InputLimits limits;
    private final Session session;

    public MailParser(InputLimits limits) {
        this.limits = limits;
        Properties props = new Properties();
        props.setProperty("mail.mime.multipart.ignoremissingendboundary", "true");
        props.setProperty("mail.mime.multipart.ignoremissingboundaryparameter", "true");
        props.setProperty("mail.mime.multipart.allowempty", "true");
        this.session = Session.getInstance(props);
    }

    public ParsedMail parse(byte[] mail) throws RejectedInputException {
        if (mail.length > limits.maxInputBytes()) {
            throw new RejectedInputException("mail is " + mail.length + " bytes, over the limit of " + limits.maxInputBytes());
        }
        try {
            MimeMessage message = new MimeMessage(session, new ByteArrayInputStream(mail));
            List<MailPart> parts = new ArrayList<>();
            collect(message, 0, parts);
            return new ParsedMail(header(message, "Content-Type"), subject(message), header(message, "From"),
                header(message, "Message-ID"), parts);
        } catch (MessagingException e) {
            throw new RejectedInputException("not a readable mail: " + e.getMessage(), e);
        }
    }

    private void collect(Part part, int depth, List<MailPart> out) throws RejectedInputException {
        if (depth > limits.maxNesting()) {
            throw new RejectedInputException("mail nests parts more than " + limits.maxNesting() + " levels deep");
        }
        String header = header(part, "Content-Type");
        String mimeType = mimeType(header);
        if (mimeType.startsWith("multipart/")) {
            Optional<MimeMultipart> multipart = multipart(part, header);
            if (multipart.isPresent()) {
                collectChildren(multipart.get(), depth, out);
                return;
            }
        } else if (mimeType.equals("message/rfc822")) {
            byte[] inner = decodedBody(part);
            try {
                collect(new MimeMessage(session, new ByteArrayInputStream(inner)), depth + 1, out);
                return;
            } catch (MessagingException e) {
                // Not a parsable message after all: keep it as an opaque leaf below.
            }
        }
        if (out.size() >= limits.maxArchiveEntries()) {
            throw new RejectedInputException("mail has more than " + limits.maxArchiveEntries() + " parts");
        }
        out.add(new MailPart(mimeType, header, fileName(part, header), decodedBody(part)));
    }

    private void collectChildren(MimeMultipart multipart, int depth, List<MailPart> out) throws RejectedInputException {
        try {
            int count = multipart.getCount();
            for (int i = 0; i < count; i++) {
                BodyPart child = multipart.getBodyPart(i);
                collect(child, depth + 1, out);
            }
        } catch (MessagingException e) {
            throw new RejectedInputException("malformed multipart: " + e.getMessage(), e);
        }
    }

    /** The multipart body, also when the boundary parameter is only recoverable by a lenient reading. */
    private Optional<MimeMultipart> multipart(Part part, String header) throws RejectedInputException {
        String boundary = boundary(header);
        if (boundary == null) {
            return Optional.empty();
        }
        try (InputStream raw = rawBody(part)) {
            byte[] body = BoundedStreams.readAtMost(raw, limits.maxInputBytes(), "multipart body");
            // Re-declare a clean Content-Type so a malformed original header cannot defeat the split.
            ByteArrayDataSource source = new ByteArrayDataSource(body, "multipart/mixed; boundary=\"" + boundary + "\"");
            MimeMultipart multipart = new MimeMultipart(source);
            multipart.getCount();
            return Optional.of(multipart);
        } catch (IOException | MessagingException e) {
            return Optional.empty();
        }
    }

    private InputStream rawBody(Part part) throws MessagingException, IOException {
        if (part instanceof MimeMessage message) {
            return message.getRawInputStream();
        }
        if (part instanceof javax.mail.internet.MimeBodyPart bodyPart) {
            return bodyPart.getRawInputStream();
        }
        return part.getInputStream();
    }

    private byte[] decodedBody(Part part) throws RejectedInputException {
        try (InputStream in = decodedStream(part)) {
            return BoundedStreams.readAtMost(in, limits.maxInputBytes(), "mail part");
        } catch (IOException | MessagingException e) {
            throw new RejectedInputException("unreadable mail part: " + e.getMessage(), e);
        }
    }

    private InputStream decodedStream(Part part) throws MessagingException, IOException {
        String encoding = header(part, "Content-Transfer-Encoding").trim().toLowerCase(Locale.ROOT);
        InputStream raw = rawBody(part);
        if (encoding.isEmpty() || encoding.equals("7bit") || encoding.equals("8bit") || encoding.equals("binary")) {
            return raw;
        }
        try {
            return MimeUtility.decode(raw, encoding);
        } catch (MessagingException e) {
            // An unknown transfer encoding: hand over the bytes as sent rather than lose the part.
            return raw;
        }
    }

    static String mimeType(String header) {
        if (header == null || header.isBlank()) {
            return "text/plain";
        }
        try {
            return new ContentType(header).getBaseType().toLowerCase(Locale.ROOT);
        } catch (javax.mail.internet.ParseException e) {
            Matcher m = MIME_TYPE.matcher(header);
            return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : "application/octet-stream";
        }
    }

    private static String boundary(String header) {
        try {
            String b = new ContentType(header).getParameter("boundary");
            if (b != null && !b.isEmpty()) {
                return b;
            }
        } catch (javax.mail.internet.ParseException e) {
            // fall through to the lenient reading
        }
        Matcher m = BOUNDARY.matcher(header);
        return m.find() ? (m.group(2) != null ? m.group(2) : m.group(3)) : null;
    }

    private static String fileName(Part part, String contentTypeHeader) {
        try {
            String name = part.getFileName();
            if (name != null && !name.isBlank()) {
                return decodeWord(name);
            }
        } catch (MessagingException | RuntimeException e) {
            // malformed parameters: try the lenient reading below
        }
        for (String h : new String[] {header(part, "Content-Disposition"), contentTypeHeader}) {
            Matcher m = NAME_PARAM.matcher(h);
            if (m.find()) {
                return decodeWord(m.group(2) != null ? m.group(2) : m.group(3));
            }
        }
        return "";
    }

    private static String decodeWord(String s) {
        try {
            return MimeUtility.decodeText(s).trim();
        } catch (IOException | RuntimeException e) {
            return s.trim();
        }
    }

    private static String subject(MimeMessage message) {
        try {
            String s = message.getSubject();
            return s == null ? "" : s;
        } catch (MessagingException e) {
            return header(message, "Subject");
        }
    }

    private static String header(Part part, String name) {
        try {
            String[] values = part.getHeader(name);
            if (values == null || values.length == 0) {
                return "";
            }
            return MimeUtility.unfold(values[0]);
        } catch (MessagingException e) {
            return "";
        }
    }
}
