// Small DOM helpers: build elements in one call, and write text only when it changed (a write of
// the same text still costs a style recalculation in some browsers).

type Child = Node | string | null | undefined | false;

export interface ElementProps {
  readonly class?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly data?: Readonly<Record<string, string>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class !== undefined) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title !== undefined) node.title = props.title;
  if (props.attrs !== undefined) for (const [k, v] of Object.entries(props.attrs)) node.setAttribute(k, v);
  if (props.data !== undefined) for (const [k, v] of Object.entries(props.data)) node.dataset[k] = v;
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

export function setClass(node: Element, className: string): void {
  if (node.className !== className) node.className = className;
}

export function toggle(node: Element, className: string, on: boolean): void {
  if (node.classList.contains(className) !== on) node.classList.toggle(className, on);
}

export type FlashKind = 'up' | 'down' | 'buy' | 'sell';

let flashColors: Record<FlashKind, string> | undefined;

/** The theme changed: read the flash colors again. */
export function forgetThemeColors(): void {
  flashColors = undefined;
}

/** A CSS custom property of the current theme. */
export function themeColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** A brief highlight (Web Animations: no reflow, no class juggling). */
export function flash(node: Element, kind: FlashKind): void {
  flashColors ??= { up: themeColor('--flash-up'), down: themeColor('--flash-down'), buy: themeColor('--flash-buy'), sell: themeColor('--flash-sell') };
  node.animate([{ backgroundColor: flashColors[kind] }, { backgroundColor: 'transparent' }], { duration: 450, easing: 'ease-out' });
}

/** A new row sliding in from the side. */
export function slideIn(node: Element, fromRight: boolean): void {
  node.animate(
    [
      { transform: `translateX(${fromRight ? 12 : -12}px)`, opacity: 0 },
      { transform: 'translateX(0)', opacity: 1 },
    ],
    { duration: 220, easing: 'ease-out' },
  );
}
