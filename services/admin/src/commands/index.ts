import type { Command } from "../command";
import { agentCommands } from "./agent";
import { apiKeyCommands } from "./apikey";
import { callCommands } from "./call";
import { creditsCommands } from "./credits";
import { demoCommands } from "./demo";
import { endpointCommands } from "./endpoint";
import { orgCommands } from "./org";
import { optOutCommands, orderCommands } from "./orders";
import { quotaCommands } from "./quota";
import { signingCommands } from "./signing";
import { tokenCommands } from "./token";
import { userCommands } from "./user";

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  ...orgCommands,
  ...orderCommands,
  ...agentCommands,
  ...tokenCommands,
  ...apiKeyCommands,
  ...signingCommands,
  ...creditsCommands,
  ...quotaCommands,
  ...callCommands,
  ...endpointCommands,
  ...optOutCommands,
  ...userCommands,
  ...demoCommands,
];
