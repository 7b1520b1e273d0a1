"""Learning use cases: conversion estimates, intent scoring of stored leads, the propensity
model, the rebalancing monitor."""
