// gt agents menu: a tmux popup menu of the town's running agent sessions (Gas Town's session
// switcher, bound to a key). The mayor and deacon first, then each rig under its own header:
// witness, refinery, crew and (with --all) polecats. Choosing one switches the client to it.
import { shellQuote, townSocketName } from "../adapters/tmux.ts";
import { sessionNames } from "../adapters/tmux-client.ts";
import { displayMenu } from "../adapters/tmux-menu.ts";
import { ValidationError } from "../errors.ts";
import { ROLES } from "./roles.ts";
import type { Town } from "./workspace.ts";

export type MenuKind = "mayor" | "deacon" | "witness" | "refinery" | "crew" | "polecat";

export interface MenuItem {
  session: string;
  kind: MenuKind;
  rig: string | null;
  /** The crew member's or polecat's name. */
  name: string | null;
  label: string;
  key: string;
  /** The tmux command run when it is chosen. */
  action: string;
}

export interface AgentsMenu {
  socket: string;
  title: string;
  items: MenuItem[];
  /** The whole tmux argument list after `-L <socket>`, as run. */
  args: string[];
}

const KIND_ORDER: MenuKind[] = ["mayor", "deacon", "witness", "refinery", "crew", "polecat"];
const ICONS: Record<MenuKind, string> = {
  mayor: "🎩",
  deacon: "⛪",
  witness: "👁",
  refinery: "🏭",
  crew: "👷",
  polecat: "🦨",
};
const COLORS: Record<MenuKind, string> = {
  mayor: "#[fg=magenta,bold]",
  deacon: "#[fg=yellow,bold]",
  witness: "#[fg=cyan]",
  refinery: "#[fg=blue]",
  crew: "#[fg=green]",
  polecat: "#[fg=white]",
};

/** What kind of agent a session of this town is; undefined for anything else (dogs, other towns). */
export function classifySession(
  town: Town,
  session: string,
): Omit<MenuItem, "label" | "key" | "action"> | undefined {
  if (session === ROLES.mayor.session) return { session, kind: "mayor", rig: null, name: null };
  if (session === ROLES.deacon.session) return { session, kind: "deacon", rig: null, name: null };
  for (const rig of town.rigNames()) {
    const prefix = `${town.prefixOf(rig)}-`;
    if (!session.startsWith(prefix)) continue;
    const rest = session.slice(prefix.length);
    if (rest === "witness" || rest === "refinery") return { session, kind: rest, rig, name: null };
    if (rest.startsWith("crew-") && rest.length > 5)
      return { session, kind: "crew", rig, name: rest.slice(5) };
    if (rest && !rest.includes("-")) return { session, kind: "polecat", rig, name: rest };
  }
  return undefined;
}

/** 1-9, then a-z: the menu's shortcut keys. */
export function shortcutKey(i: number): string {
  if (i < 9) return String(i + 1);
  if (i < 35) return String.fromCharCode(97 + i - 9);
  return "";
}

function labelOf(i: Omit<MenuItem, "label" | "key" | "action">): string {
  const who =
    i.kind === "mayor"
      ? "Mayor"
      : i.kind === "deacon"
        ? "Deacon"
        : i.kind === "crew"
          ? `${i.rig}/crew/${i.name}`
          : i.kind === "polecat"
            ? `${i.rig}/${i.name}`
            : `${i.rig}/${i.kind}`;
  return `${COLORS[i.kind]}${ICONS[i.kind]} ${who}#[default]`;
}

/** The menu for these running sessions (pure: what the tmux call will be). */
export function buildAgentsMenu(
  town: Town,
  socket: string,
  running: string[],
  opts: { all?: boolean } = {},
): AgentsMenu {
  const found = running
    .map((s) => classifySession(town, s))
    .filter((x): x is NonNullable<typeof x> => !!x && (opts.all === true || x.kind !== "polecat"))
    .sort(
      (a, b) =>
        Number(a.rig !== null) - Number(b.rig !== null) ||
        (a.rig ?? "").localeCompare(b.rig ?? "") ||
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        a.session.localeCompare(b.session),
    );
  const title = "⚙️  Gas Town";
  const args = ["display-menu", "-T", `#[align=centre,fg=cyan,bold]${title}`, "-x", "C", "-y", "C", "--"];
  const items: MenuItem[] = [];
  let rig: string | null = null;
  for (const f of found) {
    if (f.rig && f.rig !== rig) {
      // A rig's header: a disabled item (leading '-'), no key, no command.
      args.push(`-#[fg=white,dim]   ${f.rig}`, "", "");
      rig = f.rig;
    }
    const item: MenuItem = {
      ...f,
      label: labelOf(f),
      key: shortcutKey(items.length),
      action: `switch-client -t ${shellQuote(`=${f.session}`)}`,
    };
    items.push(item);
    args.push(item.label, item.key, item.action);
  }
  return { socket, title, items, args };
}

/** The menu for what runs on the town's tmux server now. */
export async function agentsMenu(
  town: Town,
  env: NodeJS.ProcessEnv,
  opts: { all?: boolean } = {},
): Promise<AgentsMenu> {
  const socket = townSocketName(town.root, env);
  return buildAgentsMenu(town, socket, await sessionNames(socket), opts);
}

/** Shows the menu on a client: the given tty, else the calling pane's (inside tmux only). */
export async function showAgentsMenu(
  menu: AgentsMenu,
  env: NodeJS.ProcessEnv,
  client?: string,
): Promise<void> {
  if (menu.items.length === 0) return;
  if (!client && !env.TMUX)
    throw new ValidationError(
      "not inside tmux: bind it to a key (bind-key g run-shell 'gt agents menu --client #{client_tty}') or pass --client <tty>",
    );
  await displayMenu(menu.socket, menu.args, client);
}
