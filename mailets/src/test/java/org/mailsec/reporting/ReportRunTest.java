package org.mailsec.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The frame every outgoing report run shares: stages in order, workers within a stage, a pause per report sent. */
class ReportRunTest {

    @Test
    void aLaterStageStartsOnlyOnceEveryWorkerIsDoneWithTheOneBefore() throws Exception {
        List<String> first = List.of("a.example", "b.example", "c.example", "d.example", "e.example");
        List<String> second = List.of("mx1.example", "mx2.example");
        Set<String> done = ConcurrentHashMap.newKeySet();
        List<String> startedSecondWith = Collections.synchronizedList(new ArrayList<>());
        ReportRun.run(List.of(first, second), 3, ReportRun.Pacer.NONE, domain -> {
            if (second.contains(domain)) {
                startedSecondWith.add(String.valueOf(done.containsAll(first)));
            } else {
                Thread.sleep(20);
            }
            done.add(domain);
            return true;
        });
        assertThat(done).hasSize(7);
        assertThat(startedSecondWith).containsOnly("true");
    }

    @Test
    void thePacerIsToldOfEachReportSentOutOfAllThereAre() throws Exception {
        List<String> paced = new ArrayList<>();
        ReportRun.run(List.of(List.of("sent.example", "skipped.example"), List.of("host.example")), 1,
            (sent, total) -> paced.add(sent + "/" + total), domain -> !domain.startsWith("skipped"));
        assertThat(paced).containsExactly("1/3", "2/3");
    }

    @Test
    void aSpreadingPacerWaitsNoLongerThanItsCap() throws Exception {
        ReportRun.Pacer pacer = ReportRun.Pacer.spreading(java.time.Duration.ofHours(4), java.time.Duration.ofMillis(30));
        long start = System.nanoTime();
        pacer.pause(1, 2);
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(waitedMillis).isBetween(25L, 2_000L);
        start = System.nanoTime();
        pacer.pause(1, 1);
        assertThat((System.nanoTime() - start) / 1_000_000).as("a lone report is not delayed").isLessThan(25L);
    }

    @Test
    void oneDomainThatFailsDoesNotStopTheOthers() throws Exception {
        for (int workers : new int[] {1, 2}) {
            Set<String> sent = ConcurrentHashMap.newKeySet();
            ReportRun.run(List.of(List.of("a.example", "b.example", "c.example")), workers, ReportRun.Pacer.NONE, domain -> {
                if (domain.equals("b.example")) {
                    throw new IllegalStateException("store down");
                }
                return sent.add(domain);
            });
            assertThat(sent).as(workers + " workers").containsExactlyInAnyOrder("a.example", "c.example");
        }
    }
}
