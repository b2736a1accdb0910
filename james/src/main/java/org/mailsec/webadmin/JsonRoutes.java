package org.mailsec.webadmin;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.utils.JsonTransformer;
import spark.Request;
import spark.Route;
import spark.Service;

/**
 * What every mailsec Routes class is: one base path, James's JSON 400 for a malformed request, and GETs whose answer
 * (a DTO record or a list of them) James's {@link JsonTransformer} renders.
 */
public abstract class JsonRoutes implements Routes {

    /** What a GET answers, from its request alone. */
    @FunctionalInterface
    protected interface Answer {
        Object of(Request request) throws Exception;
    }

    private final String basePath;
    protected final JsonTransformer json = new JsonTransformer();

    protected JsonRoutes(String basePath) {
        this.basePath = basePath;
    }

    @Override
    public final String getBasePath() {
        return basePath;
    }

    @Override
    public final void define(Service service) {
        MailsecRoutes.answerMalformedRequestsWith400(service);
        routes(service);
    }

    /** The routes below the base path. */
    protected abstract void routes(Service service);

    /** {@code GET path}, answered in JSON. */
    protected final void get(Service service, String path, Answer answer) {
        Route route = (request, response) -> {
            Object body = answer.of(request);
            response.type("application/json");
            return body;
        };
        service.get(path, route, json);
    }
}
