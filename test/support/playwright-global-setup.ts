import globalSetup from "./global-setup";

export default function playwrightGlobalSetup() {
  return globalSetup();
}
