package org.mailsec.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code mailsec} command. Output on stdout is a contract scripts rely on (JSON, one object per
 * line); diagnostics go to stderr as single lines starting with {@code mailsec:}.
 */
public final class Main {

    static final String USAGE = """
        usage:
          mailsec parse FILE...                   TLS or DMARC aggregate reports (json, xml, gz, zip, eml) -> one JSON line each
          mailsec record KIND TEXT|@FILE          parse one DNS record; KIND: tlsrpt, mta-sts, mta-sts-policy, dmarc
          mailsec check DOMAIN [--dns HOST:PORT] [--trust-anchor FILE] [--timeout SECONDS]
                                                  MX/TLSA, MTA-STS, TLSRPT and DMARC of a domain, with advice
        exit status: 0 ok, 1 some input was refused or the check found errors, 2 usage error""";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "parse" -> new ParseCommand(out, err).run(rest);
                case "record" -> new RecordCommand(out, err).run(rest);
                case "check" -> new CheckCommand(out, err).run(rest);
                default -> throw new UsageException("unknown command '" + args[0] + "'");
            };
        } catch (UsageException e) {
            err.println("mailsec: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
    }
}
