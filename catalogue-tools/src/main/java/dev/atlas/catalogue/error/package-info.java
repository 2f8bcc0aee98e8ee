/**
 * The failures every layer of the catalogue reports to an operator (one sentence: which device or
 * name, and what to do). The lowest package of the module: it depends on nothing else in it.
 */
package dev.atlas.catalogue.error;
