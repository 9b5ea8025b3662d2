"""Detection and model-building operators (torchvision.ops's names)."""
from .boxes import (batched_nms, box_area, box_convert, box_iou, clip_boxes_to_image, generalized_box_iou, nms,
                    remove_small_boxes)
from .misc import MLP, Conv2dNormActivation, SqueezeExcitation
from .roi_align import RoIAlign, roi_align
from .stochastic_depth import StochasticDepth, stochastic_depth

__all__ = ["box_area", "box_iou", "generalized_box_iou", "nms", "batched_nms", "box_convert", "clip_boxes_to_image",
           "remove_small_boxes", "roi_align", "RoIAlign", "Conv2dNormActivation", "SqueezeExcitation", "MLP",
           "StochasticDepth", "stochastic_depth"]
