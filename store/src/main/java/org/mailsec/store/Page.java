package org.mailsec.store;

import java.util.List;

/**
 * One page of a listing: at most {@code limit} rows after skipping {@code offset}, so that no listing of what
 * outsiders sent (reports, refusals) can grow a response, or the heap, without end.
 */
public record Page(int limit, int offset) {

    /** What a listing gives when nobody asks for a page. */
    public static final int DEFAULT_LIMIT = 1_000;
    /** The largest page anyone may ask for. */
    public static final int MAX_LIMIT = 10_000;

    public static final Page FIRST = new Page(DEFAULT_LIMIT, 0);
    /** Everything (internal use: tests, jobs that stream by other means). */
    public static final Page ALL = new Page(Integer.MAX_VALUE, 0);

    public Page {
        if (limit < 1 || offset < 0) {
            throw new IllegalArgumentException("a page needs limit >= 1 and offset >= 0");
        }
    }

    /** This page of an in-memory list. */
    public <T> List<T> of(List<T> all) {
        int from = (int) Math.min(all.size(), (long) offset);
        int to = (int) Math.min(all.size(), (long) from + limit);
        return all.subList(from, to);
    }
}
