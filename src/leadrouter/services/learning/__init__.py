"""Learning use cases: conversion estimates (and, from the learning branch, models)."""
