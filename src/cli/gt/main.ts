// gt entry point: a thin CLI over the town, agents and runtime modules.
import type { Command } from "commander";
import { bootGroup } from "./boot.ts";
import { configGroup } from "./config.ts";
import { convoyGroup } from "./convoy.ts";
import { costsGroup } from "./costs.ts";
import { crewGroup } from "./crew.ts";
import { daemonGroup } from "./daemon.ts";
import { dashboardGroup } from "./dashboard.ts";
import { deaconGroup } from "./deacon.ts";
import { demoGroup } from "./demo.ts";
import { doctorGroup } from "./doctor.ts";
import { dogGroup } from "./dog.ts";
import { doneGroup } from "./done.ts";
import { escalateGroup } from "./escalate.ts";
import { feedGroup } from "./feed.ts";
import { formulaGroup } from "./formula.ts";
import { handoffGroup } from "./handoff.ts";
import { installGroup } from "./install.ts";
import { lifecycleGroup } from "./lifecycle.ts";
import { logGroup } from "./log.ts";
import { mailGroup } from "./mail.ts";
import { molGroup } from "./mol.ts";
import { nudgeGroup } from "./nudge.ts";
import { patrolGroup } from "./patrol.ts";
import { polecatGroup } from "./polecat.ts";
import { primeGroup } from "./prime.ts";
import { act, GT_VERSION, type GtGroup, runGt } from "./program.ts";
import { mqGroup, refineryGroup } from "./refinery.ts";
import { rigGroup } from "./rig.ts";
import { schedulerGroup } from "./scheduler.ts";
import { agentsGroup, sessionGroup, statusGroup } from "./session.ts";
import { slingGroup } from "./sling.ts";
import { estopGroup, upGroup } from "./up.ts";
import { vitalsGroup } from "./vitals.ts";

// The launcher turns Node's compile cache on for us; agents we start need not inherit it.
delete process.env.NODE_COMPILE_CACHE;

const versionGroup: GtGroup = {
  names: ["version"],
  register(p: Command) {
    p.command("version")
      .description("Print the version")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          if (ctx.json)
            return ctx.printJson({ version: GT_VERSION, runtime: `node ${process.versions.node}` });
          ctx.out(`gt version ${GT_VERSION}`);
        }),
      );
  },
};

const GROUPS: GtGroup[] = [
  installGroup,
  rigGroup,
  crewGroup,
  configGroup,
  lifecycleGroup("mayor"),
  deaconGroup,
  bootGroup,
  dogGroup,
  lifecycleGroup("witness"),
  refineryGroup,
  mqGroup,
  sessionGroup,
  agentsGroup,
  statusGroup,
  primeGroup,
  mailGroup,
  nudgeGroup,
  escalateGroup,
  handoffGroup,
  demoGroup,
  doctorGroup,
  slingGroup,
  polecatGroup,
  patrolGroup,
  doneGroup,
  convoyGroup,
  formulaGroup,
  logGroup,
  feedGroup,
  vitalsGroup,
  molGroup,
  costsGroup,
  dashboardGroup,
  daemonGroup,
  schedulerGroup,
  upGroup,
  estopGroup,
  versionGroup,
];

void runGt(process.argv, GROUPS);
