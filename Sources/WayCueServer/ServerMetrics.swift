import Foundation

/// Counters and histograms of the service, rendered in the Prometheus text format (0.0.4).
///
/// Kept in-process without a metrics backend; every method is thread-safe.
public final class ServerMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [RequestKey: Int] = [:]
    private var latency: [String: Histogram] = [:]
    private var inference = Histogram()
    private var queueWait = Histogram()
    private var queueRejected = 0
    private var frames: [FrameKey: Int] = [:]
    private var streamsCreated = 0
    private var streamsExpired = 0

    struct RequestKey: Hashable { var route: String; var method: String; var status: Int }
    struct FrameKey: Hashable { var outcome: String; var reason: String }

    /// Latency bucket bounds in seconds.
    public static let buckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    struct Histogram {
        var counts = [Int](repeating: 0, count: ServerMetrics.buckets.count)
        var sum = 0.0
        var count = 0
        mutating func observe(_ v: Double) {
            for (i, b) in ServerMetrics.buckets.enumerated() where v <= b { counts[i] += 1 }
            sum += v
            count += 1
        }
    }

    /// Creates empty metrics.
    public init() {}

    /// Records one answered request: `route` is the route template (`/v1/streams/{id}/frames`).
    public func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
        latency[route, default: Histogram()].observe(seconds)
    }

    /// Records one detector run and how long it waited in the queue.
    public func recordInference(seconds: Double, queueSeconds: Double) {
        lock.lock(); defer { lock.unlock() }
        inference.observe(seconds)
        queueWait.observe(queueSeconds)
    }

    /// Records a job refused because the queue was full.
    public func recordQueueRejected() {
        lock.lock(); defer { lock.unlock() }
        queueRejected += 1
    }

    /// Records the fate of one stream frame (`processed`, or `dropped` with a reason).
    public func recordFrame(outcome: String, reason: String = "") {
        lock.lock(); defer { lock.unlock() }
        frames[FrameKey(outcome: outcome, reason: reason), default: 0] += 1
    }

    /// Records a created or expired stream.
    public func recordStream(created: Bool) {
        lock.lock(); defer { lock.unlock() }
        if created { streamsCreated += 1 } else { streamsExpired += 1 }
    }

    /// Gauges read at render time.
    public struct Gauges: Sendable {
        /// Jobs waiting for a worker.
        public var queueDepth: Int
        /// Queue capacity.
        public var queueCapacity: Int
        /// Workers running a job.
        public var busyWorkers: Int
        /// Worker threads.
        public var workers: Int
        /// Per live stream: id, accepted, processed, dropped, subscribers.
        public var streams: [StreamStats]
    }

    /// The Prometheus text exposition.
    public func render(_ g: Gauges) -> String {
        lock.lock(); defer { lock.unlock() }
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func histogram(_ name: String, _ labels: String, _ h: Histogram) {
            let sep = labels.isEmpty ? "" : labels + ","
            for (i, b) in Self.buckets.enumerated() {
                out += "\(name)_bucket{\(sep)le=\"\(b)\"} \(h.counts[i])\n"
            }
            out += "\(name)_bucket{\(sep)le=\"+Inf\"} \(h.count)\n"
            let l = labels.isEmpty ? "" : "{\(labels)}"
            out += "\(name)_sum\(l) \(h.sum)\n\(name)_count\(l) \(h.count)\n"
        }
        header("waycue_http_requests_total", "counter", "HTTP requests answered, by route, method and status.")
        for (k, v) in requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "waycue_http_requests_total{route=\"\(Self.escape(k.route))\",method=\"\(k.method)\",status=\"\(k.status)\"} \(v)\n"
        }
        header("waycue_http_request_duration_seconds", "histogram", "Time to answer a request (to the response head for streams).")
        for (route, h) in latency.sorted(by: { $0.key < $1.key }) {
            histogram("waycue_http_request_duration_seconds", "route=\"\(Self.escape(route))\"", h)
        }
        header("waycue_inference_duration_seconds", "histogram", "Decode and detector time per image.")
        histogram("waycue_inference_duration_seconds", "", inference)
        header("waycue_queue_wait_seconds", "histogram", "Time an image waited for a worker.")
        histogram("waycue_queue_wait_seconds", "", queueWait)
        header("waycue_queue_depth", "gauge", "Images waiting for a worker.")
        out += "waycue_queue_depth \(g.queueDepth)\n"
        header("waycue_queue_capacity", "gauge", "Most images that may wait.")
        out += "waycue_queue_capacity \(g.queueCapacity)\n"
        header("waycue_queue_rejected_total", "counter", "Images refused with 503 because the queue was full.")
        out += "waycue_queue_rejected_total \(queueRejected)\n"
        header("waycue_workers", "gauge", "Inference worker threads.")
        out += "waycue_workers \(g.workers)\n"
        header("waycue_workers_busy", "gauge", "Workers running an image now.")
        out += "waycue_workers_busy \(g.busyWorkers)\n"
        header("waycue_stream_frames_total", "counter", "Stream frames by outcome (processed or dropped) and drop reason, all streams.")
        for (k, v) in frames.sorted(by: { ($0.key.outcome, $0.key.reason) < ($1.key.outcome, $1.key.reason) }) {
            out += "waycue_stream_frames_total{outcome=\"\(k.outcome)\",reason=\"\(k.reason)\"} \(v)\n"
        }
        header("waycue_streams_created_total", "counter", "Streams created.")
        out += "waycue_streams_created_total \(streamsCreated)\n"
        header("waycue_streams_expired_total", "counter", "Streams removed (idle expiry or DELETE).")
        out += "waycue_streams_expired_total \(streamsExpired)\n"
        header("waycue_streams_active", "gauge", "Live streams.")
        out += "waycue_streams_active \(g.streams.count)\n"
        header("waycue_stream_frames", "gauge", "Per live stream: frames accepted, processed and dropped so far.")
        for s in g.streams.sorted(by: { $0.id < $1.id }) {
            out += "waycue_stream_frames{stream=\"\(s.id)\",state=\"accepted\"} \(s.accepted)\n"
            out += "waycue_stream_frames{stream=\"\(s.id)\",state=\"processed\"} \(s.processed)\n"
            out += "waycue_stream_frames{stream=\"\(s.id)\",state=\"dropped\"} \(s.dropped)\n"
        }
        header("waycue_stream_cues", "gauge", "Per live stream: cues emitted so far.")
        for s in g.streams.sorted(by: { $0.id < $1.id }) {
            out += "waycue_stream_cues{stream=\"\(s.id)\"} \(s.cues)\n"
        }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
