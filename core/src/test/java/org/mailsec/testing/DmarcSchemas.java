package org.mailsec.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URL;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import org.xml.sax.SAXException;

/**
 * The DMARC aggregate report XML schemas (test resources {@code dmarc-schema/}): RFC 9990 Appendix A as published, and
 * RFC 7489 Appendix C made usable (see the file). A report that does not validate fails with the validator's words.
 */
public final class DmarcSchemas {

    private static final Schema RFC9990 = load("dmarc-schema/rfc9990.xsd");
    private static final Schema RFC7489 = load("dmarc-schema/rfc7489.xsd");

    private DmarcSchemas() {
    }

    public static void validateRfc9990(byte[] xml) {
        validate(RFC9990, xml, "RFC 9990");
    }

    public static void validateRfc7489(byte[] xml) {
        validate(RFC7489, xml, "RFC 7489");
    }

    private static void validate(Schema schema, byte[] xml, String name) {
        try {
            schema.newValidator().validate(new StreamSource(new ByteArrayInputStream(xml)));
        } catch (SAXException e) {
            throw new AssertionError("not valid under the " + name + " schema: " + e.getMessage() + "\n"
                + new String(xml, java.nio.charset.StandardCharsets.UTF_8), e);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Schema load(String resource) {
        URL url = DmarcSchemas.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException(resource + " is not on the class path");
        }
        try {
            SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            return factory.newSchema(url);
        } catch (SAXException e) {
            throw new IllegalStateException(resource + " is not a schema: " + e.getMessage(), e);
        }
    }
}
