/// WayCueTraining: datasets, augmentation, autograd training, evaluation and quantization.
///
/// The data side reads YOLO txt, Roboflow/Ultralytics `data.yaml` layouts, Pascal VOC XML and
/// COCO JSON into one ``LabeledDataset`` with canonical classes (``Taxonomy``,
/// ``ClassMapping``), mixes datasets through a ``Recipe``, checks them (``DatasetChecker``) and
/// evaluates detections against them (``DetectionEvaluator``).
public enum WayCueTraining {}
