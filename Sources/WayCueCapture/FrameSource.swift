import Dispatch

/// Anything that produces a stream of ``Frame``s: a camera, a folder of images, a video file.
///
/// Use ``next()`` in a tight loop on a thread of your own, or iterate ``frames`` from async code.
/// Sources are classes that guard their own state, so one source may be handed between threads;
/// frames from one source must still be pulled by one consumer at a time.
public protocol FrameSource: AnyObject, Sendable {
    /// A short human-readable name, such as the device path or file name.
    var name: String { get }

    /// Blocks until the next frame is available and returns it; `nil` at the end of the footage
    /// or after ``close()``.
    ///
    /// - Throws: ``CaptureError`` for faults the source cannot recover from on its own.
    func next() throws -> Frame?

    /// Stops the source and releases its resources. Later calls to ``next()`` return `nil`.
    func close()
}

extension FrameSource {
    /// The frames as an async sequence. Each step runs ``next()`` on a dispatch queue, so a slow
    /// consumer pulls frames at its own pace and no queue builds up between source and consumer.
    public var frames: FrameSequence { FrameSequence(source: self) }
}

/// The frames of a ``FrameSource`` as an `AsyncSequence`; ends when the source does.
public struct FrameSequence: AsyncSequence, Sendable {
    public typealias Element = Frame
    let source: any FrameSource

    /// Creates a sequence that pulls from `source`.
    public init(source: any FrameSource) { self.source = source }

    /// Makes the iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(source: source) }

    /// Pulls one frame per step from the source on a private dispatch queue.
    public struct Iterator: AsyncIteratorProtocol {
        let source: any FrameSource
        let queue = DispatchQueue(label: "waycue.capture.frames")

        /// The next frame, or `nil` at the end.
        public mutating func next() async throws -> Frame? {
            let source = self.source
            return try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    continuation.resume(with: Result { try source.next() })
                }
            }
        }
    }
}
