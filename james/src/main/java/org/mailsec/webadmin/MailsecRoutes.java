package org.mailsec.webadmin;

import java.util.Locale;
import org.apache.james.webadmin.utils.ErrorResponder;

/** Shared parameter parsing of mailsec's routes. */
final class MailsecRoutes {

    private MailsecRoutes() {
    }

    static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ErrorResponder.builder().statusCode(400).type(ErrorResponder.ErrorType.INVALID_ARGUMENT)
                .message("'" + value + "' is not true or false").haltError();
        };
    }
}
