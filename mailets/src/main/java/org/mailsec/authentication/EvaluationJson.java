package org.mailsec.authentication;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.List;
import org.mailsec.store.dmarc.Evaluation;

/** Evaluations as JSON, the form in which they travel on a mail from DmarcHook to StoreDmarcEvaluations. */
public final class EvaluationJson {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());
    private static final TypeReference<List<Evaluation>> EVALUATIONS = new TypeReference<>() { };
    /** Typed once: the list's element serializer is not looked up again for each message. */
    private static final ObjectWriter WRITER = JSON.writerFor(EVALUATIONS);

    private EvaluationJson() {
    }

    public static String write(List<Evaluation> evaluations) {
        try {
            return WRITER.writeValueAsString(evaluations);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("DMARC evaluations cannot be written as JSON", e);
        }
    }

    public static List<Evaluation> read(String json) {
        try {
            return JSON.readValue(json, EVALUATIONS);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not DMARC evaluations: " + e.getOriginalMessage(), e);
        }
    }
}
