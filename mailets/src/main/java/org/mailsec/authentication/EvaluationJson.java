package org.mailsec.authentication;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.List;
import org.mailsec.store.dmarc.Evaluation;

/** Evaluations as JSON, the form in which they travel on a mail from DmarcHook to StoreDmarcEvaluations. */
public final class EvaluationJson {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

    private EvaluationJson() {
    }

    public static String write(List<Evaluation> evaluations) {
        try {
            return JSON.writeValueAsString(evaluations);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("DMARC evaluations cannot be written as JSON", e);
        }
    }

    public static List<Evaluation> read(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<Evaluation>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not DMARC evaluations: " + e.getOriginalMessage(), e);
        }
    }
}
