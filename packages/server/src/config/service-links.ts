/*
 * Kubernetes gives every container variables naming each Service of its namespace ("service
 * links"): for a Service `berth`, BERTH_SERVICE_HOST, BERTH_SERVICE_PORT, BERTH_PORT and so on, and
 * the same under BERTH_METRICS_ for a Service `berth-metrics`. They are not settings, yet they start
 * with BERTH_. A variable is taken for one only if both its name and its value have the shape
 * Kubernetes gives them, so that a misspelt setting (BERTH_HTP_PORT=6000) is still refused.
 */

const PROTOCOL = '(?:TCP|UDP|SCTP)';
const ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;
const NUMBER = /^\d{1,5}$/;
const LINK_URL = /^(?:tcp|udp|sctp):\/\/(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/;

/** `<SERVICE>` is BERTH or BERTH_<rest of the name>: a Service named berth or berth-<anything>. */
const SHAPES: readonly { name: RegExp; value: RegExp }[] = [
  { name: /^BERTH(?:_[A-Z0-9_]+)?_SERVICE_HOST$/, value: ADDRESS },
  { name: /^BERTH(?:_[A-Z0-9_]+)?_SERVICE_PORT(?:_[A-Z0-9_]+)?$/, value: NUMBER },
  { name: /^BERTH(?:_[A-Z0-9_]+)?_PORT$/, value: LINK_URL },
  { name: new RegExp(`^BERTH(?:_[A-Z0-9_]+)?_PORT_\\d+_${PROTOCOL}$`), value: LINK_URL },
  { name: new RegExp(`^BERTH(?:_[A-Z0-9_]+)?_PORT_\\d+_${PROTOCOL}_PROTO$`), value: /^(?:tcp|udp|sctp)$/ },
  { name: new RegExp(`^BERTH(?:_[A-Z0-9_]+)?_PORT_\\d+_${PROTOCOL}_PORT$`), value: NUMBER },
  { name: new RegExp(`^BERTH(?:_[A-Z0-9_]+)?_PORT_\\d+_${PROTOCOL}_ADDR$`), value: ADDRESS },
];

/** Whether a variable is one Kubernetes sets for a Service named berth or berth-*. */
export function isServiceLink(name: string, value: string): boolean {
  return SHAPES.some((shape) => shape.name.test(name) && shape.value.test(value));
}

/** Whether a value is what Kubernetes gives BERTH_<SERVICE>_PORT: a setting may have met one. */
export function looksLikeServiceLinkValue(value: string): boolean {
  return LINK_URL.test(value);
}
