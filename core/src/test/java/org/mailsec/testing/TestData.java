package org.mailsec.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test data beside the project (../shared/testdata), as surefire passes it in. */
public final class TestData {

    private TestData() {
    }

    public static Path dir() {
        Path dir = Path.of(System.getProperty("mailsec.testdata", "../../shared/testdata"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("shared test data not found at " + dir.toAbsolutePath()
                + " (set -Dmailsec.testdata)");
        }
        return dir;
    }

    public static Path file(String relative) {
        return dir().resolve(relative);
    }

    public static JsonNode json(String relative) {
        try {
            return new ObjectMapper().readTree(file(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
