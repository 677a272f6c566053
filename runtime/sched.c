/* sched.c - learning-rate schedules (RtSched, dlc_rt.h): torch.optim.lr_scheduler's numbers.
 *
 * PyTorch 1.13 computes each learning rate in Python floats (IEEE double) from the previous one
 * (get_lr, the "chainable" form): StepLR multiplies by gamma at every multiple of step_size,
 * MultiStepLR by gamma ** count at a milestone, ExponentialLR by gamma every step, and
 * CosineAnnealingLR applies the ratio (1 + cos(pi n / T)) / (1 + cos(pi (n - 1) / T)) to
 * lr - eta_min (adding (base - eta_min)(1 - cos(pi / T)) / 2 where that ratio would be 0/0).
 * rt_sched_lr replays that recursion from n = 0 with the same operations in the same order, so
 * its value is PyTorch's to the bit and a pure function of n (a resumed run recomputes it).
 * OneCycleLR is not recursive: each value comes from the step number and the phase it is in.
 *
 * Invariant: no fused multiply-add anywhere in this file (Python does none), hence the pragma. */
#include <math.h>
#include <stdint.h>

#include "dlc_rt.h"

#pragma STDC FP_CONTRACT OFF

static const double PI = 3.141592653589793; /* math.pi */

/* How many of the (ascending) milestones equal k. */
static int milestone_count(const RtSched *s, int64_t k) {
  int c = 0;
  for (int i = 0; i < s->nmilestones; i++) c += s->milestones[i] == k;
  return c;
}

static double cosine(const RtSched *s, int64_t n) {
  double lr = s->base_lr, T = (double)s->t_max, eta = s->eta_min;
  for (int64_t k = 1; k <= n; k++) {
    if ((k - 1 - s->t_max) % (2 * s->t_max) == 0)
      lr = lr + (s->base_lr - eta) * (1 - cos(PI / T)) / 2;
    else
      lr = (1 + cos(PI * (double)k / T)) / (1 + cos(PI * (double)(k - 1) / T)) * (lr - eta) + eta;
  }
  return lr;
}

static double anneal(const RtSched *s, double start, double end, double pct) {
  if (s->linear) return (end - start) * pct + start;
  double cos_out = cos(PI * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

/* PyTorch's phases: warm up from initial_lr to max_lr until pct_start * total - 1, then anneal to
 * min_lr (three_phase: back to initial_lr until 2 pct_start total - 2, then to min_lr). */
static double one_cycle(const RtSched *s, int64_t n, int64_t total) {
  double initial = s->max_lr / s->div_factor, min_lr = initial / s->final_div_factor;
  double end[3], from[3], to[3];
  int np = s->three_phase ? 3 : 2;
  end[0] = s->pct_start * (double)total - 1, from[0] = initial, to[0] = s->max_lr;
  if (s->three_phase) {
    end[1] = 2 * s->pct_start * (double)total - 2, from[1] = s->max_lr, to[1] = initial;
    end[2] = (double)(total - 1), from[2] = initial, to[2] = min_lr;
  } else {
    end[1] = (double)(total - 1), from[1] = s->max_lr, to[1] = min_lr;
  }
  double start = 0, step = (double)n;
  for (int i = 0; i < np; i++) {
    if (step <= end[i] || i == np - 1) return anneal(s, from[i], to[i], (step - start) / (end[i] - start));
    start = end[i];
  }
  return NAN; /* not reached */
}

double rt_sched_lr(const RtSched *s, int64_t n, int64_t total_steps) {
  double lr = s->base_lr;
  switch (s->kind) {
  case RT_SCHED_STEP:
    for (int64_t k = 1; k <= n; k++)
      if (k % s->step_size == 0) lr = lr * s->gamma;
    return lr;
  case RT_SCHED_MULTISTEP:
    for (int64_t k = 0; k <= n; k++) { /* a milestone 0 applies at once, as in PyTorch */
      int c = milestone_count(s, k);
      if (c) lr = lr * pow(s->gamma, (double)c);
    }
    return lr;
  case RT_SCHED_EXPONENTIAL:
    for (int64_t k = 1; k <= n; k++) lr = lr * s->gamma;
    return lr;
  case RT_SCHED_COSINE:
    return cosine(s, n);
  case RT_SCHED_ONECYCLE:
    return one_cycle(s, n, s->total_steps ? s->total_steps : total_steps);
  }
  return NAN;
}

int rt_sched_per_batch(const RtSched *s) { return s->kind == RT_SCHED_ONECYCLE; }

const char *rt_sched_name(const RtSched *s) {
  switch (s->kind) {
  case RT_SCHED_STEP: return "StepLR";
  case RT_SCHED_MULTISTEP: return "MultiStepLR";
  case RT_SCHED_EXPONENTIAL: return "ExponentialLR";
  case RT_SCHED_COSINE: return "CosineAnnealingLR";
  case RT_SCHED_ONECYCLE: return "OneCycleLR";
  }
  return "?";
}
