/**
 * One IPC handler per `TerminalApi` method (main process), generated from the contract's list so
 * none can be missing or doubled. Inputs are validated by the core; a core error crosses the
 * context bridge marked in its message (Electron keeps only the message), which the renderer reads.
 */
import { TERMINAL_API_METHODS, type TerminalApi, type TerminalApiMethod } from "../api/contract.js";
import { ipcErrorMessage } from "../api/fault.js";
import { faultOf } from "../core/errors.js";

export const IPC_PREFIX = "cabinpay:";
export const EVENT_CHANNEL = "cabinpay:event";

export interface IpcMainLike {
  handle(channel: string, listener: (event: unknown, input: unknown) => Promise<unknown>): void;
}

export function registerTerminalIpc(ipcMain: IpcMainLike, api: TerminalApi): string[] {
  return TERMINAL_API_METHODS.map((method: TerminalApiMethod) => {
    const channel = `${IPC_PREFIX}${method}`;
    ipcMain.handle(channel, async (_event, input) => {
      try {
        return await (api[method] as (input: unknown) => Promise<unknown>)(input);
      } catch (error) {
        throw new Error(ipcErrorMessage(faultOf(error)));
      }
    });
    return channel;
  });
}
