package org.mailsec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One in-process run of the command: exit status, the JSON lines of stdout (usage text is skipped), stderr lines. */
record CliRun(int status, List<JsonNode> json, List<String> stderr) {

    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        List<JsonNode> json = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{")) {
                try {
                    json.add(mapper.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException("stdout line is not JSON: " + line, e);
                }
            }
        }
        List<String> errLines = err.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        return new CliRun(status, json, errLines);
    }
}
