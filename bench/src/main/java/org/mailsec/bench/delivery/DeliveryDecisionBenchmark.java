package org.mailsec.bench.delivery;

import java.util.concurrent.TimeUnit;
import org.mailsec.plan.DeliveryFlags;
import org.mailsec.plan.DeliveryPlan;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The policy decision SecureRemoteDelivery makes before each delivery, with the MTA-STS policy and DNS answers
 * cached (the steady state): MTA-STS record check, policy, MX list, DNSSEC status, TLSRPT presence.
 * {@code java -jar bench/target/mailsec-bench.jar DeliveryDecisionBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DeliveryDecisionBenchmark {

    private DeliveryBench world;

    @Setup(Level.Trial)
    public void start() throws Exception {
        world = new DeliveryBench();
        if (!world.planner.plan(DeliveryBench.DOMAIN, DeliveryFlags.NORMAL).sts().enforce()) {
            throw new IllegalStateException("the cached enforce policy was not found");
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        world.close();
    }

    @Benchmark
    public DeliveryPlan cachedDecision() {
        return world.planner.plan(DeliveryBench.DOMAIN, DeliveryFlags.NORMAL);
    }
}
