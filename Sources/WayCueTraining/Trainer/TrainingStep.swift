import Foundation
import WayCueNN

/// One optimisation step (forward, assignment, loss, backward, AdamW + EMA), shared by the
/// trainer and the training benchmark.
public enum TrainingStep {
    /// One optimisation step on a batch; returns its loss terms.
    public static func run(model: DetectorModel, optimizer: AdamW, loss: DetectionLoss, priors: [Prior], pool: ThreadPool,
                           samples: [AugmentedSample], learningRate: Float, config: TrainConfig) throws -> LossTerms {
        let S = model.config.inputSize, V = model.config.decoder.valuesPerCell, cells = priors.count
        let tape = Tape(training: true, pool: pool)
        let x = Trainer.inputTensor(samples.map(\.image), size: S)
        let outs = try model.forward(TapeBackend(tape: tape, frozenBatchNorm: config.frozenBatchNorm ?? false), x)
        let B = samples.count
        var pred = [Float](repeating: 0, count: B * cells * V)
        var grad = [Float](repeating: 0, count: B * cells * V)
        var assignments = [Assignment?](repeating: nil, count: B)
        var terms = [LossTerms](repeating: LossTerms(), count: B)
        pred.withUnsafeMutableBufferPointer { pp in
            let p = pp.baseAddress!
            Trainer.gather(outs, into: p, cells: cells)
            assignments.withUnsafeMutableBufferPointer { ab in
                let a = ab.baseAddress!
                pool.parallelFor(B) { i in a[i] = loss.assign(p + i * cells * V, priors: priors, targets: samples[i].targets) }
            }
            let positives = Double(assignments.reduce(0) { $0 + $1!.positives })
            let wsum = assignments.reduce(0.0) { $0 + $1!.weightSum }
            grad.withUnsafeMutableBufferPointer { gb in
                let g = gb.baseAddress!
                terms.withUnsafeMutableBufferPointer { tb in
                    let t = tb.baseAddress!
                    pool.parallelFor(B) { i in
                        let ignore = samples[i].ignoreMasks(priors: priors, classCount: loss.decoder.classCount)
                        t[i] = loss.loss(p + i * cells * V, grad: g + i * cells * V, priors: priors, targets: samples[i].targets,
                                         assignment: assignments[i]!, positives: positives, weightSum: wsum, ignore: ignore)
                    }
                }
                Trainer.scatter(g, into: outs, cells: cells)
            }
        }
        tape.backward()
        optimizer.update(learningRate: learningRate, weightDecay: config.weightDecay, clip: config.gradientClip,
                         emaDecay: config.emaDecay)
        return terms.reduce(LossTerms(), +)
    }

}
