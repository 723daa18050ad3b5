import type { IConstruct } from "constructs";
import { cdkFor } from "./cdk-library";

/**
 * `plantimestamp()` as seconds since the Unix epoch, computed by Terraform at plan time. HCL has
 * no such function, so the civil date is converted with the days-from-civil algorithm; the
 * `[for x in [v] : ...][0]` form binds a value to a name.
 */
const PLAN_EPOCH_SECONDS =
  '[for p in [[for x in split(" ", formatdate("YYYY M D h m s", plantimestamp())) : tonumber(x)]] : ' +
  "[for c in [{ y = p[0] - (p[1] <= 2 ? 1 : 0), mp = (p[1] + 9) % 12, d = p[2] }] : " +
  "(floor(c.y / 400) * 146097 + (c.y % 400) * 365 + floor((c.y % 400) / 4) - " +
  "floor((c.y % 400) / 100) + floor((153 * c.mp + 2) / 5) + c.d - 1 - 719468) * 86400 + " +
  "p[3] * 3600 + p[4] * 60 + p[5]][0]][0]";

const clocks = new WeakMap<object, { readonly friendlyUniqueId: string }>();

/**
 * A reference (`local.<name>`) to the plan time in epoch seconds, one local per stack. A local is
 * configuration, not state: it never shows as a change in a plan.
 */
export function planEpochSeconds(scope: IConstruct): string {
  const cdk = cdkFor(scope);
  const stack = cdk.TerraformStack.of(scope as never);
  let clock = clocks.get(stack);
  if (!clock) {
    const expression = `\${${PLAN_EPOCH_SECONDS}}`;
    clock = new cdk.TerraformLocal(stack, "coreweave_plan_epoch_seconds", expression);
    clocks.set(stack, clock);
  }
  return `local.${clock.friendlyUniqueId}`;
}
