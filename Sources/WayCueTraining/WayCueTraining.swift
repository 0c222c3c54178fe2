/// WayCueTraining: datasets, augmentation, autograd training, evaluation and quantization.
public enum WayCueTraining {}
