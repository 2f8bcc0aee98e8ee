#!/usr/bin/env node
// Validates Kubernetes manifests (multi-document YAML, e.g. `kubectl kustomize` output) against
// the OpenAPI schemas bundled in kubernetes-models and @kubernetes-models/prometheus-operator:
// no cluster and no network. A kind this script does not know is an error, so nothing passes
// unchecked.
//   node validate.js FILE...      prints one line per object; exits 1 if any is invalid
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const models = {
  "v1": core,
  "apps/v1": apps,
  "policy/v1": policy,
  "monitoring.coreos.com/v1": monitoring,
};

let failures = 0;
let objects = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      console.log(`INVALID ${file}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      failures++;
      continue;
    }
    const object = document.toJS();
    if (object === null) continue;
    objects++;
    const where = `${object.apiVersion}/${object.kind} ${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
    const Model = models[object.apiVersion]?.[object.kind];
    if (Model === undefined) {
      console.log(`INVALID ${where}: no schema for this apiVersion and kind`);
      failures++;
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      console.log(`INVALID ${where}: ${error.message}`);
      failures++;
      continue;
    }
    console.log(`valid ${where}`);
  }
}
if (objects === 0) {
  console.log("INVALID: no objects to validate");
  failures++;
}
process.exit(failures === 0 ? 0 : 1);
