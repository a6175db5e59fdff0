"""minigrad.optim: optimizers and `lr_scheduler`, with PyTorch's names, defaults and update
rules (`torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)`); `swa_utils` for weight
averaging (SWA, EMA)."""

from minigrad.optim import lr_scheduler, swa_utils
from minigrad.optim.adam import Adam, Adamax, AdamW, NAdam, RAdam
from minigrad.optim.asgd import ASGD
from minigrad.optim.lbfgs import LBFGS
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.rmsprop import Adadelta, Adagrad, RMSprop
from minigrad.optim.rprop import Rprop
from minigrad.optim.sgd import SGD
from minigrad.optim.sparse_adam import SparseAdam
