"""Mixed precision (`torch.amp`): `autocast` runs the matrix products in float16 inside its
block, and `GradScaler` scales the loss so that float16 gradients do not underflow."""

from minigrad.amp.autocast_mode import autocast, is_autocast_enabled
from minigrad.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "is_autocast_enabled"]
