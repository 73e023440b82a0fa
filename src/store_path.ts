/**
 * Resolving the path of the pin store file, which every `certpin` command
 * and `PinStore` use unless given another path.
 *
 * @module
 */

import { homedir } from "node:os";
import { join, resolve, win32 } from "node:path";
import process from "node:process";

/**
 * Returns the default path of the pin store:
 * `$XDG_CONFIG_HOME/certpin/pins.json`, else `~/.config/certpin/pins.json`,
 * and `%APPDATA%\certpin\pins.json` on Windows.
 *
 * @param env Environment variables; the process's unless given.
 * @param platform The operating system, as `process.platform` names it.
 * @returns The absolute path of the default store file.
 * @throws {Error} When the home folder is needed (`HOME` unset, or
 * `USERPROFILE` on Windows) and the runtime cannot read it from the system,
 * such as Deno without `--allow-sys`, which throws `Deno.errors.NotCapable`.
 *
 * @example
 * ```ts
 * import { defaultPinStorePath } from "@certpin/certpin";
 * console.log(defaultPinStorePath({ XDG_CONFIG_HOME: "/etc/xdg" }, "linux"));
 * // /etc/xdg/certpin/pins.json
 * ```
 */
export function defaultPinStorePath(
  env: Record<string, string | undefined> = process.env,
  platform: string = process.platform,
): string {
  if (platform === "win32") {
    const appData = env.APPDATA ||
      win32.join(homeFolder(env, "USERPROFILE"), "AppData", "Roaming");
    return win32.join(appData, "certpin", "pins.json");
  }
  // The XDG base directory specification requires ignoring a relative path.
  const xdg = env.XDG_CONFIG_HOME;
  const config = xdg !== undefined && xdg.startsWith("/")
    ? xdg
    : join(homeFolder(env, "HOME"), ".config");
  return join(config, "certpin", "pins.json");
}

/**
 * Chooses the store file the way every `certpin` command does: the given
 * path (from `--store`), then `CERTPIN_STORE`, then the default path.
 *
 * @param path A path given explicitly, or `undefined`.
 * @param env Environment variables; the process's unless given.
 * @returns The absolute path of the store file.
 * @throws {Error} When neither `path` nor `CERTPIN_STORE` is given and
 * {@linkcode defaultPinStorePath} cannot read the home folder.
 *
 * @example
 * ```ts
 * import { resolvePinStorePath } from "@certpin/certpin";
 * console.log(resolvePinStorePath(undefined, { CERTPIN_STORE: "/srv/pins.json" }));
 * // /srv/pins.json
 * ```
 */
export function resolvePinStorePath(
  path?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (path !== undefined && path !== "") return resolve(path);
  const fromEnv = env.CERTPIN_STORE;
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv);
  return defaultPinStorePath(env);
}

function homeFolder(
  env: Record<string, string | undefined>,
  variable: string,
): string {
  // Deno grants os.homedir() only with --allow-sys, so the variable comes first.
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return homedir();
}
