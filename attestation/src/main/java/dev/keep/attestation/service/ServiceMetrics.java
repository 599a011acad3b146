package dev.keep.attestation.service;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request and decision counters with latency sums, rendered in the Prometheus text exposition format (version
 * 0.0.4) so any scraper can read them without a client library.
 */
public final class ServiceMetrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> decisions = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> latencyMicros = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> latencyCount = new ConcurrentHashMap<>();

    /** One answered request: the route ("verify", "certificate", ...) and the HTTP status. */
    public void request(String route, int status, long nanos) {
        requests.computeIfAbsent(route + "\0" + status, k -> new LongAdder()).increment();
        latencyMicros.computeIfAbsent(route, k -> new LongAdder()).add(nanos / 1000);
        latencyCount.computeIfAbsent(route, k -> new LongAdder()).increment();
    }

    /** One decision as written to the audit log ("issued", "refused", ...). */
    public void decision(String decision) {
        decisions.computeIfAbsent(decision, k -> new LongAdder()).increment();
    }

    public long decisions(String decision) {
        LongAdder a = decisions.get(decision);
        return a == null ? 0 : a.sum();
    }

    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP keep_attest_requests_total HTTP requests answered, by route and status.\n");
        out.append("# TYPE keep_attest_requests_total counter\n");
        new TreeMap<>(requests).forEach((k, v) -> {
            String[] parts = k.split("\0");
            out.append("keep_attest_requests_total{route=\"").append(parts[0]).append("\",status=\"")
                    .append(parts[1]).append("\"} ").append(v.sum()).append('\n');
        });
        out.append("# HELP keep_attest_decisions_total Audited decisions, by kind.\n");
        out.append("# TYPE keep_attest_decisions_total counter\n");
        new TreeMap<>(decisions).forEach((k, v) -> out.append("keep_attest_decisions_total{decision=\"").append(k)
                .append("\"} ").append(v.sum()).append('\n'));
        out.append("# HELP keep_attest_request_seconds Time to answer a request, by route.\n");
        out.append("# TYPE keep_attest_request_seconds summary\n");
        new TreeMap<>(latencyCount).forEach((route, count) -> {
            out.append("keep_attest_request_seconds_sum{route=\"").append(route).append("\"} ")
                    .append(latencyMicros.get(route).sum() / 1e6).append('\n');
            out.append("keep_attest_request_seconds_count{route=\"").append(route).append("\"} ")
                    .append(count.sum()).append('\n');
        });
        return out.toString();
    }
}
