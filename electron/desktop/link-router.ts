/**
 * What happens to a clicked sip:/tel: link once parsed (link-parser.ts):
 * per the `linkAction` setting, the dial field is filled ('fill': the
 * renderer gets a `link.open` event) or the call is placed at once
 * ('dial': call.dial through the dispatcher, as the renderer would).
 *
 * A link can arrive before the window's page listens (Parley started by the
 * click: the link is in process.argv), so the last link waits until the
 * renderer is ready (its first app.snapshot). Only the last one is kept: two
 * quick clicks dial once. If dialling fails at once, the target is put in the
 * dial field instead, so the user sees what was clicked and why it failed.
 * The user clicked it, so the window comes to the front either way.
 */
import type { ApiResult, LinkAction } from '../api/contract.ts';
import { nullLogger, type Logger } from '../common/logger.ts';
import type { LinkOpenEvent } from './ipc-channels.ts';
import type { ParsedLink } from './link-parser.ts';

export interface LinkRouterDeps {
  linkAction(): Promise<LinkAction>;
  dial(target: string): Promise<ApiResult<unknown>>;
  send(event: LinkOpenEvent): void;
  showWindow(): void;
  logger?: Logger;
}

export class LinkRouter {
  readonly #deps: LinkRouterDeps;
  readonly #log: Logger;
  #ready = false;
  #pending: ParsedLink | undefined;

  constructor(deps: LinkRouterDeps) {
    this.#deps = deps;
    this.#log = (deps.logger ?? nullLogger).child('links');
  }

  open(link: ParsedLink): Promise<void> {
    this.#deps.showWindow();
    if (!this.#ready) {
      this.#pending = link;
      return Promise.resolve();
    }
    return this.#route(link);
  }

  /** The renderer listens now: deliver what waited. */
  rendererReady(): Promise<void> {
    this.#ready = true;
    const link = this.#pending;
    this.#pending = undefined;
    return link ? this.#route(link) : Promise.resolve();
  }

  /** The page reloaded or went away: hold links again until it is back. */
  rendererGone(): void {
    this.#ready = false;
  }

  get pending(): ParsedLink | undefined {
    return this.#pending;
  }

  async #route(link: ParsedLink): Promise<void> {
    let action: LinkAction = 'fill';
    try {
      action = await this.#deps.linkAction();
    } catch (e) {
      this.#log.warn('could not read linkAction; filling the dial field', { error: String(e) });
    }
    if (action === 'dial') {
      const result = await this.#deps.dial(link.target);
      if (result.ok) return;
      this.#log.info('dialling a link failed; filling the dial field instead', { code: result.code });
    }
    this.#deps.send({ event: 'link.open', data: { target: link.target, action: 'fill' } });
  }
}
